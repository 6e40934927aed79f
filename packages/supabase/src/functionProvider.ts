import type { Provider } from '@jobgate/core';
import { createRunningHubProvider } from '@jobgate/runninghub';
import type { FunctionProviderConfig } from './functionEnv.js';

/**
 * The provider the environment names: RunningHub with its API key, or (only when
 * `JOBGATE_PROVIDER=simulated` says so by name) the in-process simulation of
 * `@jobgate/core/testing`. The simulation is imported when chosen, so a production function
 * never loads a test double; it is announced with a warning at start.
 */
export function functionProvider(config: FunctionProviderConfig): Provider {
  if (config.kind === 'runninghub') {
    return createRunningHubProvider({
      apiKey: config.apiKey,
      ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
    });
  }
  console.warn(
    'jobgate: JOBGATE_PROVIDER=simulated: jobs run on an in-process simulation, not on a GPU provider (local runs and tests only)',
  );
  const loading = import('@jobgate/core/testing').then(
    ({ SimulatedProvider }) =>
      new SimulatedProvider({
        seed: 1,
        startLatencyMs: [0, 0],
        durationMs: [config.runMs, config.runMs],
      }),
  );
  // A failed import surfaces on the first call that needs the provider.
  loading.catch(() => undefined);
  return {
    // SimulatedProvider's id: callbacks arrive at /webhooks/simulated/….
    id: 'simulated',
    start: async (context) => (await loading).start(context),
    status: async (taskId, context) => (await loading).status(taskId, context),
    cancel: async (taskId, context) => (await loading).cancel(taskId, context),
    upload: async (file) => (await loading).upload(file),
    parseWebhook: async (request) => (await loading).parseWebhook(request),
  };
}
