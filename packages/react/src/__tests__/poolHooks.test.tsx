// @vitest-environment happy-dom
import { JobGateError, type QueueAnswer, type SlotsAnswer } from '@jobgate/core/client';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { type JobGateConfig, JobGateProvider } from '../jobGateProvider.js';
import { useQueue, useSlots } from '../usePoolView.js';

afterEach(cleanup);

/** A transport whose pool routes answer from a script, counting the calls. */
function transport(answers: Array<SlotsAnswer | Error>) {
  const calls = { slots: 0, queue: 0 };
  const next = (n: number) => {
    const answer = answers[Math.min(n, answers.length - 1)]!;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  const t = {
    active: async () => null,
    submit: async () => {
      throw new Error('unused');
    },
    get: async () => {
      throw new Error('unused');
    },
    cancel: async () => {
      throw new Error('unused');
    },
    slots: () => next(calls.slots++),
    queue: () =>
      next(calls.queue++).then((s): QueueAnswer => ({ ...s, scope: 'own', jobs: [], recent: [] })),
  };
  return { config: { transport: t } as unknown as JobGateConfig, calls };
}

function Slots() {
  const { data, error } = useSlots({ intervalMs: 20 });
  return (
    <p data-testid="slots">
      {data ? `${data.running}/${data.cap} q${data.queued}` : 'none'}
      {error ? ` ${error.code}` : ''}
    </p>
  );
}

function Queue() {
  const { data } = useQueue({ intervalMs: 20 });
  return <p data-testid="queue">{data ? `${data.scope} ${data.queued}` : 'none'}</p>;
}

const slots = (running: number, queued: number): SlotsAnswer => ({
  pool: 'default',
  cap: 3,
  running,
  queued,
});

describe('useSlots and useQueue', () => {
  it('poll the pool, keep the last answer while a request fails, and stop on unmount', async () => {
    const { config, calls } = transport([
      slots(1, 0),
      new JobGateError('NETWORK_ERROR', 'offline'),
      slots(3, 2),
    ]);
    const view = render(
      <JobGateProvider config={config}>
        <Slots />
        <Queue />
      </JobGateProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('slots').textContent).toBe('1/3 q0'));
    await waitFor(() =>
      expect(screen.getByTestId('slots').textContent).toBe('1/3 q0 NETWORK_ERROR'),
    );
    await waitFor(() => expect(screen.getByTestId('slots').textContent).toBe('3/3 q2'));
    await waitFor(() => expect(screen.getByTestId('queue').textContent).toBe('own 2'));
    view.unmount();
    const after = calls.slots;
    await new Promise((r) => setTimeout(r, 100));
    expect(calls.slots).toBeLessThanOrEqual(after + 1);
  });
});
