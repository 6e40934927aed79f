import { createJobRunner, defineTool, type Job, MemoryStore } from '@jobgate/core';
import { MemoryFileStorage, SimulatedProvider } from '@jobgate/core/testing';
import { z } from 'zod';

const vesteAi = defineTool({
  id: 'veste-ai',
  input: z.object({ person: z.string(), clothing: z.string() }),
  files: ['person', 'clothing'], // uploads: read from the storage and handed to the provider
  creditCost: 60, // the price lives on the server, never in the request
  maxRunMs: 10 * 60_000,
});

const storage = new MemoryFileStorage(); // or supabaseFileStorage / localFileStorage
const provider = new SimulatedProvider(); // or createRunningHubProvider({ apiKey })
const runner = createJobRunner({
  store: new MemoryStore(), // or PostgresStore / SupabaseStore
  provider,
  tools: [vesteAi],
  storage,
  policy: { globalCap: 3, maxActivePerUser: 1 },
});
// Provider news reaches the runner: here the simulator's, with RunningHub its webhooks.
provider.onUpdate((jobId, update) => void runner.applyUpdate(jobId, update));
// A long-lived process heals on a timer; serverless hosts call runner.heal() on a schedule.
const stopHealing = runner.startHealing();

const ended = new Promise<Job>((resolve) => {
  for (const event of ['completed', 'failed', 'cancelled'] as const) runner.on(event, resolve);
});

// jobId is chosen by the client: it is the idempotency key. The browser uploads the job's
// files first, to {tool}/{userId}/{jobId}/{name} (JobClient does); here, stand-in bytes.
const jobId = crypto.randomUUID();
const folder = `veste-ai/user-1/${jobId}`;
storage.put(`${folder}/person.png`, 'the photo of a person');
storage.put(`${folder}/clothing.png`, 'the photo of a shirt');
const job = await runner.submit({
  jobId,
  tool: 'veste-ai',
  userId: 'user-1', // from the auth token, never from the request body
  input: { person: `${folder}/person.png`, clothing: `${folder}/clothing.png` },
});
console.log(`${job.id} is ${job.status}`); // 'running' (took a slot) or 'queued' (position ≥ 1)

const done = await ended;
// Its results were copied into the storage before it completed; outputFiles signs their URLs.
const files = await runner.outputFiles(done.id, 'user-1');
console.log(`${done.id} is ${done.status}`, done.errorMessage ?? files.map((f) => f.path));
stopHealing();
runner.close();
