/**
 * The tool pages, on @jobgate/react and the tools' plain descriptions only. They take their
 * transport, update source and uploader from the nearest <JobGateProvider>, so the same
 * pages run on the local server (fetchTransport) or on Supabase (functionsTransport).
 */
export { FileField } from './FileField.js';
export { RunPanel } from './RunPanel.js';
export { ToolPage } from './ToolPage.js';
export { CUSTOM_PAGES, type ToolPageComponent, toolPages } from './toolPages.js';
export { type AppTools, type ToolId, useToolRunner } from './toolRunner.js';
export { UpscalerPage } from './UpscalerPage.js';
