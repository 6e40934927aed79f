export {
  ActiveJobBlock,
  type ActiveJobBlockProps,
  type ActiveJobBlockRenderProps,
} from './activeJobBlock.js';
export { acceptText, fileKind, fileProblem } from './fileProblem.js';
export {
  type JobGateConfig,
  JobGateProvider,
  type JobGateProviderProps,
  useJobGateConfig,
} from './jobGateProvider.js';
export { ToolForm, type ToolFormProps } from './toolFormView.js';
export { type ActiveJobHandle, useActiveJob } from './useActiveJob.js';
export { useJob } from './useJob.js';
export { useJobClient } from './useJobClient.js';
export { useOutputFiles } from './useOutputFiles.js';
export {
  type PoolViewHandle,
  type PoolViewOptions,
  useQueue,
  useSlots,
} from './usePoolView.js';
export { useQuote } from './useQuote.js';
export type { ServerValue } from './useServerValue.js';
export {
  type JobRunnerHandle,
  type ToolHandle,
  type ToolHook,
  type ToolRunnerHook,
  useJobRunner,
  useTool,
} from './useTool.js';
export { type ToolFormField, type ToolFormHandle, useToolForm } from './useToolForm.js';
