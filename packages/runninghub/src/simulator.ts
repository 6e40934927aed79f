export { type RunningHubSimulator, startRunningHubSimulator } from './runningHubSimulator.js';
export type { RunningHubSimulatorOptions } from './runningHubSimulatorOptions.js';
export type { SimDownloadCut, SimInjection, SimRates } from './simFaults.js';
export {
  isSimFileField,
  SIM_FILE_FIELDS,
  type SimFileField,
  type SimInput,
} from './simFileNodes.js';
export type { SimDownloadLog } from './simOutputServer.js';
export type { SimRequestLog } from './simServer.js';
export type {
  SimNodeInfo,
  SimOutput,
  SimOutputFile,
  SimOutputStream,
  SimTask,
  SimTaskStatus,
} from './simTask.js';
export { DEFAULT_UPLOAD_CAP_BYTES, type SimUpload } from './simUploads.js';
export type { SimDelivery } from './simWebhooks.js';
