import { type ToolRunnerHook, useJobRunner } from '@jobgate/react';
import type { tools } from '../../../supabase/functions/_shared/tools.ts';

/**
 * `useJobRunner`, typed by the tools the function serves (their `defineTool` in
 * supabase/functions/_shared): an unknown tool id or a wrong input fails to typecheck. Types
 * only (`import type`): neither zod nor any function code reaches the browser bundle.
 */
export const useToolRunner: ToolRunnerHook<typeof tools> = useJobRunner;

export type AppTools = typeof tools;
export type ToolId = AppTools[number]['id'];
