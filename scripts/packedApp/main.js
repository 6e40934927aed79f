// The app of the root README's tarball steps, whole: @jobgate/core and @jobgate/postgres
// installed from their tarballs, a PGlite store (PostgreSQL in WebAssembly, in this process),
// the simulated provider, one job followed to its end. scripts/__tests__/readmeShell.test.ts
// runs the README's steps and this file in a new folder.
import { createJobRunner, defineTool } from '@jobgate/core';
import { SimulatedProvider } from '@jobgate/core/testing';
import { createPgliteStore } from '@jobgate/postgres';
import { z } from 'zod';

const upscaler = defineTool({
  id: 'upscaler',
  input: z.object({ scale: z.number().int().min(2).max(4) }),
  creditCost: 10,
  maxRunMs: 60_000,
});

const store = await createPgliteStore(); // in memory; { dataDir: './pglite' } keeps it
const provider = new SimulatedProvider();
const runner = createJobRunner({ store, provider, tools: [upscaler] });
provider.onUpdate((jobId, update) => void runner.applyUpdate(jobId, update));

const ended = new Promise((resolve) => {
  for (const event of ['completed', 'failed', 'cancelled']) runner.on(event, resolve);
});
const job = await runner.submit({
  jobId: crypto.randomUUID(),
  tool: 'upscaler',
  userId: 'user-1',
  input: { scale: 2 },
});
console.log(`submitted: ${job.status}`);
const done = await ended;
console.log(`ended: ${done.status}`);
runner.close();
await store.close();
