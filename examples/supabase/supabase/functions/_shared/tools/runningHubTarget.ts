/** One `nodeInfoList` entry of a RunningHub AI-app run. */
export interface NodeInfo {
  nodeId: string;
  fieldName: string;
  fieldValue: string | number;
}

/**
 * How a tool maps its validated input to a RunningHub run: the AI app (or workflow) id
 * and the node fields. File fields hold the `fileName` RunningHub's upload returned.
 */
export interface RunningHubTarget<I> {
  target(input: I): { webappId?: string; workflowId?: string; nodeInfoList: NodeInfo[] };
}
