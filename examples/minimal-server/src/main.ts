import { createJobRunner, defineTool, type Job, MemoryStore } from '@jobgate/core';
import { SimulatedProvider } from '@jobgate/core/testing';
import { z } from 'zod';

const vesteAi = defineTool({
  id: 'veste-ai',
  input: z.object({ person: z.string(), clothing: z.string() }),
  creditCost: 60, // the price lives on the server, never in the request
  maxRunMs: 10 * 60_000,
});

const provider = new SimulatedProvider(); // or createRunningHubProvider({ apiKey })
const runner = createJobRunner({
  store: new MemoryStore(), // or PostgresStore / SupabaseStore
  provider,
  tools: [vesteAi],
  policy: { globalCap: 3, maxActivePerUser: 1 },
});
// Provider news reaches the runner: here the simulator's, with RunningHub its webhooks.
provider.onUpdate((jobId, update) => void runner.applyUpdate(jobId, update));
// A long-lived process heals on a timer; serverless hosts call runner.heal() on a schedule.
const stopHealing = runner.startHealing();

const ended = new Promise<Job>((resolve) => {
  for (const event of ['completed', 'failed', 'cancelled'] as const) runner.on(event, resolve);
});

// jobId is chosen by the client: it is the idempotency key.
const job = await runner.submit({
  jobId: crypto.randomUUID(),
  tool: 'veste-ai',
  userId: 'user-1', // from the auth token, never from the request body
  input: { person: 'veste-ai/user-1/person.webp', clothing: 'veste-ai/user-1/shirt.webp' },
});
console.log(`${job.id} is ${job.status}`); // 'running' (took a slot) or 'queued' (position ≥ 1)

const done = await ended;
console.log(`${done.id} is ${done.status}`, done.output ?? done.errorMessage);
stopHealing();
runner.close();
