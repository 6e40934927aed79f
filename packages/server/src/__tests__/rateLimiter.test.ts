import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '../rateLimiter.js';

const RULE = { limit: 5, windowMs: 60_000 };
const T0 = Date.UTC(2026, 1, 1, 12); // a window boundary

describe('MemoryRateLimiter', () => {
  it('fixed window: 5 per minute, the 6th refused with the time to the next window', async () => {
    const limiter = new MemoryRateLimiter();
    const decisions = [];
    for (let i = 0; i < 7; i++) decisions.push(await limiter.hit('submit:u', RULE, T0 + 10_000));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(decisions[5]?.retryAfterMs).toBe(50_000);
    expect((await limiter.hit('submit:other', RULE, T0 + 10_000)).allowed).toBe(true);
    expect((await limiter.hit('submit:u', RULE, T0 + 60_000)).allowed).toBe(true);
  });

  it('sliding window: the previous window still weighs in', async () => {
    const limiter = new MemoryRateLimiter({ algorithm: 'sliding' });
    for (let i = 0; i < 5; i++) await limiter.hit('k', RULE, T0 + 50_000);
    // 6 s into the next window, 90 % of the previous 5 hits still count: 4.5 + 1 > 5.
    const early = await limiter.hit('k', RULE, T0 + 66_000);
    expect(early.allowed).toBe(false);
    expect(early.retryAfterMs).toBeGreaterThan(0);
    // Late in the window the previous one has faded.
    expect((await limiter.hit('k', RULE, T0 + 115_000)).allowed).toBe(true);
  });
});
