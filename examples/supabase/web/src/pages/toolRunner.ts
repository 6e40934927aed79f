import { type ToolHook, useTool } from '@jobgate/react';
import type { tools } from '../../../supabase/functions/_shared/tools.ts';

/**
 * `useTool`, typed by the tools the function serves (their `defineTool` in
 * supabase/functions/_shared): an unknown tool id or a wrong input fails to typecheck. Types
 * only (`import type`): neither zod nor any function code reaches the browser bundle.
 */
export const useToolRunner: ToolHook<typeof tools> = useTool;

export type AppTools = typeof tools;
export type ToolId = AppTools[number]['id'];
