import type { tools } from '@jobgate/example-tools';
import { type ToolHook, useTool } from '@jobgate/react';
import type { RunningHubOutput } from '@jobgate/runninghub';

/**
 * `useTool`, typed by the four tools' `defineTool` and RunningHub's output: an unknown
 * tool id or a wrong input fails to typecheck. Types only (`import type`): neither zod nor
 * any server code reaches the browser bundle.
 */
export const useToolRunner: ToolHook<typeof tools, RunningHubOutput> = useTool;

export type AppTools = typeof tools;
export type ToolId = AppTools[number]['id'];
