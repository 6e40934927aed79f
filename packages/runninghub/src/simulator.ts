export {
  type RunningHubSimulator,
  type RunningHubSimulatorOptions,
  type SimDelivery,
  type SimInjection,
  type SimNodeInfo,
  type SimOutputFile,
  type SimRates,
  type SimRequestLog,
  type SimTask,
  type SimTaskStatus,
  startRunningHubSimulator,
} from './runningHubSimulator.js';
