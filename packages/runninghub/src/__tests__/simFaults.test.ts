import { describe, expect, it } from 'vitest';
import { SimFaults } from '../simFaults.js';
import { SimRuntime } from '../simRuntime.js';

describe('SimFaults: the chaos controls', () => {
  it('answers injections in order, for their path only, as many times as asked', () => {
    const faults = new SimFaults(new SimRuntime(1), undefined, undefined);
    faults.inject({ path: '/a', code: 421, times: 2 });
    faults.inject({ httpStatus: 503 });
    const busy = { httpStatus: 200, body: { code: 421, msg: 'TASK_QUEUE_MAXED', data: null } };
    expect(faults.faultFor('/a')).toEqual(busy);
    // An injection without a path answers the next call to any path.
    expect(faults.faultFor('/b')).toEqual({ httpStatus: 503, body: 'simulated HTTP 503' });
    expect(faults.faultFor('/a')).toEqual(busy);
    expect(faults.faultFor('/a')).toBeUndefined();
  });

  it('an injected code keeps its msg and data; no code means 500; clearInjections drops the rest', () => {
    const faults = new SimFaults(new SimRuntime(1), undefined, undefined);
    faults.inject({ code: 0, data: 'QUEUED' });
    faults.inject({ msg: 'boom' });
    faults.inject({ code: 805 });
    expect(faults.faultFor('/x')?.body).toEqual({ code: 0, msg: 'success', data: 'QUEUED' });
    expect(faults.faultFor('/x')?.body).toEqual({ code: 500, msg: 'boom', data: null });
    faults.clearInjections();
    expect(faults.faultFor('/x')).toBeUndefined();
  });

  it('draws random 503s, busy starts and task fates from the rates (all or nothing at 1 and 0)', () => {
    const always = new SimFaults(
      new SimRuntime(1),
      {
        transient: 1,
        busy: 1,
        fail: 1,
        lostWebhook: 1,
        duplicateWebhook: 1,
      },
      undefined,
    );
    expect(always.faultFor('/x')).toEqual({
      httpStatus: 503,
      body: 'simulated 503 Service Unavailable',
    });
    expect(always.busy()).toBe(true);
    expect(always.fate()).toEqual({ willFail: true, loseWebhook: true, duplicateWebhook: true });
    const never = new SimFaults(new SimRuntime(1), undefined, undefined);
    expect(never.faultFor('/x')).toBeUndefined();
    expect(never.busy()).toBe(false);
    expect(never.fate()).toEqual({ willFail: false, loseWebhook: false, duplicateWebhook: false });
  });

  it('draws the latency within its range, the same for the same seed', () => {
    const draws = (seed: number) => {
      const faults = new SimFaults(new SimRuntime(seed), undefined, [10, 20]);
      return Array.from({ length: 5 }, () => faults.latency());
    };
    expect(draws(4)).toEqual(draws(4));
    for (const ms of draws(4)) expect(ms).toBeGreaterThanOrEqual(10);
    for (const ms of draws(4)) expect(ms).toBeLessThanOrEqual(20);
    expect(new SimFaults(new SimRuntime(1), undefined, undefined).latency()).toBe(0);
  });
});
