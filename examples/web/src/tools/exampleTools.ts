// The app's tools are the modules of this folder (src/server/appTools.ts loads each one):
// a new tool is one more file here exporting its `defineTool(...)`. These are the four example
// tools, defined once in the Supabase starter (examples/supabase) and shared with the tests.
export { tools } from '@jobgate/example-tools';
