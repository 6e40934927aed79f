import { type AnyTool, JobGateError, type JsonObject } from '@jobgate/core';
import { RUNNINGHUB_ID } from './runningHubId.js';

/** One `nodeInfoList` entry: which node field gets which value. */
export interface RunningHubNodeInfo {
  nodeId: string;
  fieldName: string;
  /** For file fields, the `fileName` RunningHub's upload returned. */
  fieldValue: string | number | boolean;
}

/** What to start at RunningHub: an AI app (`webappId`) or a workflow (`workflowId`). */
export interface RunningHubTarget {
  webappId?: string;
  workflowId?: string;
  nodeInfoList: RunningHubNodeInfo[];
}

/**
 * A tool's RunningHub mapping, set as `defineTool({ provider: … })`: from the validated
 * input to the app or workflow id and the node fields.
 */
export interface RunningHubToolConfig<I = JsonObject> {
  target(input: I): RunningHubTarget;
  /** Sent as RunningHub's `instanceType` (e.g. `plus` for 48 GB machines). */
  instanceType?: string;
  /** Workflows only: RunningHub's `addMetadata`. */
  addMetadata?: boolean;
}

function fail(tool: AnyTool, what: string): never {
  throw new JobGateError('VALIDATION', `tool ${tool.id}: ${what}`, {
    details: { provider: 'runninghub', tool: tool.id },
  });
}

/** The tool's RunningHub mapping; VALIDATION if the tool has none. */
export function runningHubConfigOf(tool: AnyTool): RunningHubToolConfig<JsonObject> {
  const config: unknown = tool.provider;
  if (
    typeof config !== 'object' ||
    config === null ||
    typeof (config as { target?: unknown }).target !== 'function'
  ) {
    fail(
      tool,
      'has no RunningHub mapping: set provider: { target(input) { return { webappId | workflowId, nodeInfoList } } } in defineTool',
    );
  }
  return config as RunningHubToolConfig<JsonObject>;
}

/**
 * Runs the tool's mapping on a job's input and checks what it returned: exactly one of
 * `webappId` / `workflowId` (digits or a short id) and a list of `{ nodeId, fieldName,
 * fieldValue }`. Throws VALIDATION naming the tool otherwise.
 */
export function resolveRunningHubTarget(
  tool: AnyTool,
  input: JsonObject,
): RunningHubTarget & { config: RunningHubToolConfig<JsonObject> } {
  const config = runningHubConfigOf(tool);
  let target: unknown;
  try {
    target = config.target(input);
  } catch (error) {
    if (error instanceof JobGateError) throw error;
    fail(
      tool,
      `its RunningHub mapping threw: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (typeof target !== 'object' || target === null) fail(tool, 'target() returned no object');
  const { webappId, workflowId, nodeInfoList } = target as Record<string, unknown>;
  const hasApp = webappId !== undefined && webappId !== null;
  const hasWorkflow = workflowId !== undefined && workflowId !== null;
  if (hasApp === hasWorkflow)
    fail(tool, 'target() must return exactly one of webappId, workflowId');
  const id = hasApp ? webappId : workflowId;
  if (typeof id !== 'string' || !RUNNINGHUB_ID.test(id)) {
    fail(tool, `target() returned an invalid ${hasApp ? 'webappId' : 'workflowId'}`);
  }
  if (!Array.isArray(nodeInfoList)) fail(tool, 'target() must return a nodeInfoList array');
  const nodes: RunningHubNodeInfo[] = nodeInfoList.map((entry: unknown, i: number) => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const value = e.fieldValue;
    if (
      typeof e.nodeId !== 'string' ||
      e.nodeId.length === 0 ||
      typeof e.fieldName !== 'string' ||
      e.fieldName.length === 0 ||
      !(typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    ) {
      fail(tool, `nodeInfoList[${i}] needs nodeId, fieldName and a string/number/boolean value`);
    }
    return { nodeId: e.nodeId, fieldName: e.fieldName, fieldValue: value };
  });
  return {
    ...(hasApp ? { webappId: id } : { workflowId: id }),
    nodeInfoList: nodes,
    config,
  };
}
