import type { RunnerTimeouts } from '@jobgate/core';

/**
 * The runner's timeouts under `npm start`, and in the web app's tests (one set: the tests run
 * what a user runs). A start that never answers ("Kill the next start") is ended by heal as
 * `START_LOST` once `lostStartMs` has passed: the provider call's own limit
 * (`providerStartMs`) is set past it, so the call is never aborted first (that would end the
 * job `TIMEOUT`). The slowest slow start of the chaos controls (8 s) stays inside both.
 */
export const DEMO_TIMEOUTS = {
  lostStartMs: 12_000,
  providerStartMs: 20_000,
} as const satisfies RunnerTimeouts;

/** Running jobs at once under `npm start` (`--cap <n>` changes it). */
export const DEMO_CAP = 3;

/** The longest slow start the chaos controls offer, ms. */
export const MAX_SLOW_START_MS = 8_000;
