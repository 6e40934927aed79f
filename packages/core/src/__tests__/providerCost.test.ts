import { tools, uploadSampleInput } from '@jobgate/example-tools';
import { expect, it } from 'vitest';
import { MemoryStore } from '../memory/memoryStore.js';
import { JobRunner } from '../runner/jobRunner.js';
import { FakeClock } from '../testing/fakeClock.js';
import { MemoryBilling } from '../testing/memoryBilling.js';
import { MemoryFileStorage } from '../testing/memoryFileStorage.js';
import { SimulatedProvider } from '../testing/simulatedProvider.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

it("records the provider's reported cost beside the credits when a job completes, once", async () => {
  const clock = new FakeClock();
  const billing = new MemoryBilling({ initialBalance: 1_000 });
  const provider = new SimulatedProvider({
    clock,
    startLatencyMs: [0, 0],
    durationMs: [9e6, 9e6],
  });
  const storage = new MemoryFileStorage();
  const runner = new JobRunner({
    store: new MemoryStore(),
    provider,
    tools,
    storage,
    clock,
    billing,
    random: () => 0.5,
  });
  const input = (userId: string, jobId: string) =>
    uploadSampleInput(storage, 'veste-ai', { userId, jobId });
  const job = await runner.submit({
    jobId: uuid(1),
    tool: 'veste-ai',
    userId: 'u',
    input: input('u', uuid(1)),
  });
  const done = { state: 'completed' as const, taskId: job.taskId!, output: {} };
  await runner.applyUpdate(job.id, { ...done, cost: { cost: 41, unit: 'seconds' } });
  // A duplicate delivery with another figure changes nothing.
  await runner.applyUpdate(job.id, { ...done, cost: { cost: 99, unit: 'seconds' } });
  expect(billing.cost(job.id)).toEqual({ cost: 41, unit: 'seconds' });
  // A failed job's cost is not recorded (nothing was delivered, the credits went back).
  const other = await runner.submit({
    jobId: uuid(2),
    tool: 'veste-ai',
    userId: 'v',
    input: input('v', uuid(2)),
  });
  await runner.applyUpdate(other.id, {
    state: 'failed',
    taskId: other.taskId!,
    cost: { cost: 5, unit: 'seconds' },
  });
  expect(billing.cost(other.id)).toBeUndefined();
});
