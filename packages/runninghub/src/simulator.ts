export { type RunningHubSimulator, startRunningHubSimulator } from './runningHubSimulator.js';
export type { RunningHubSimulatorOptions } from './runningHubSimulatorOptions.js';
export type { SimInjection, SimRates } from './simFaults.js';
export type { SimRequestLog } from './simServer.js';
export type { SimNodeInfo, SimOutputFile, SimTask, SimTaskStatus } from './simTask.js';
export type { SimDelivery } from './simWebhooks.js';
