import { JobRunner } from '@jobgate/core';
import type { CreditLedger } from '@jobgate/core/adapter';
import { FakeClock, MemoryBilling } from '@jobgate/core/testing';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { testTools } from './fixtures/testTools.js';
import { lifecycleCommands, USERS } from './lifecycleProperty/lifecycleCommands.js';
import {
  type Cmd,
  type Model,
  modelInvariants,
  type Real,
} from './lifecycleProperty/modelInvariants.js';
import { ScriptedProvider } from './scriptedProvider.js';
import type { StoreFactory, StoreHarness } from './storeHarness.js';

const T0 = Date.UTC(2026, 0, 1, 12);

class CheckedCommand implements Cmd {
  constructor(readonly inner: Cmd) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    await this.inner.run(m, r);
    await modelInvariants(r, m);
  }
  toString = () => this.inner.toString();
}

export interface LifecyclePropertyOptions {
  /** The ledger whose entries I5 is checked against. Default: a MemoryBilling per run. */
  billing?: (h: StoreHarness) => Promise<CreditLedger>;
  /** Sequences to run; default `JOBGATE_PROPERTY_RUNS` or 1000. */
  numRuns?: number;
  maxCommands?: number;
  /** Per-test timeout in ms. */
  timeout?: number;
  seed?: number;
}

/**
 * The model-based property test: random sequences of submits (valid or not, with every
 * provider answer), provider completions and failures (duplicated deliveries included),
 * cancels with and without confirm (and by strangers), requests that die between two
 * steps, and clock advances with healing — from several users across all four test tools —
 * checking the invariants after every step.
 */
export function describeLifecycleProperty(
  name: string,
  factory: StoreFactory,
  options: LifecyclePropertyOptions = {},
): void {
  const numRuns = options.numRuns ?? Number(process.env.JOBGATE_PROPERTY_RUNS ?? 1000);
  describe(`lifecycle property: ${name}`, () => {
    it(
      `holds I1–I6 over ${numRuns} random command sequences`,
      async () => {
        const h = await factory();
        try {
          await fc.assert(
            fc.asyncProperty(
              fc.commands(
                lifecycleCommands.map((arb) => arb.map((c) => new CheckedCommand(c))),
                { maxCommands: options.maxCommands ?? 25 },
              ),
              async (cmds) => {
                await h.reset();
                const clock = new FakeClock(T0);
                const provider = new ScriptedProvider();
                const billing = options.billing
                  ? await options.billing(h)
                  : new MemoryBilling({ initialBalance: 100_000 });
                for (const user of USERS) {
                  // A shared SQL ledger keeps its history across runs: top it up.
                  if ((await billing.balance(user)).total < 50_000)
                    await billing.grant(user, 'lifetime', 100_000);
                }
                const runner = new JobRunner({
                  store: h.store,
                  provider,
                  tools: testTools,
                  clock,
                  billing,
                  wakeTimers: false,
                  random: () => 0.5,
                });
                const real: Real = { h, runner, clock, provider, billing };
                await fc.asyncModelRun(
                  () => ({ model: { jobs: new Map(), ended: new Map() }, real }),
                  cmds,
                );
                runner.close();
              },
            ),
            { numRuns, ...(options.seed === undefined ? {} : { seed: options.seed }) },
          );
        } finally {
          await h.close();
        }
      },
      options.timeout ?? 600_000,
    );
  });
}
