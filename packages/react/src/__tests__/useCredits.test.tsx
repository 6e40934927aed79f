// @vitest-environment happy-dom
import { type CreditBalance, createStateStore, JobGateError } from '@jobgate/core/client';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import { type CreditSource, type UseCreditsOptions, useCredits } from '../useCredits.js';

afterEach(cleanup);

/** A balance the test changes, with a subscription like Realtime's. */
function fakeSource(total: number) {
  let balance: CreditBalance = { userId: 'u', total, buckets: { lifetime: total } };
  const listeners = new Set<() => void>();
  let reads = 0;
  let fail: JobGateError | null = null;
  const source: CreditSource = {
    read: async () => {
      reads++;
      if (fail) throw fail;
      return balance;
    },
    subscribe: (onChange) => {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  };
  return {
    source,
    set(next: number, notify = true) {
      balance = { userId: 'u', total: next, buckets: { lifetime: next } };
      if (notify) for (const l of listeners) l();
    },
    failWith(error: JobGateError | null) {
      fail = error;
    },
    get reads() {
      return reads;
    },
    get listeners() {
      return listeners.size;
    },
  };
}

function Credits({ source, options }: { source: CreditSource; options?: UseCreditsOptions }) {
  const credits = useCredits(source, options);
  if (credits.loading) return <p>loading</p>;
  return (
    <div>
      <p data-testid="total">{credits.balance?.total ?? '-'}</p>
      {credits.error && <p role="alert">{credits.error.code}</p>}
      <button type="button" onClick={() => void credits.refresh()}>
        refresh
      </button>
    </div>
  );
}

it('shows the balance and follows the source live; unsubscribes on unmount', async () => {
  const fake = fakeSource(120);
  const view = render(<Credits source={fake.source} />);
  expect(screen.getByText('loading')).toBeTruthy();
  await waitFor(() => expect(screen.getByTestId('total').textContent).toBe('120'));
  act(() => fake.set(60));
  await waitFor(() => expect(screen.getByTestId('total').textContent).toBe('60'));
  view.unmount();
  expect(fake.listeners).toBe(0);
});

it("reads again when the client's job changes state (a source without Realtime)", async () => {
  const fake = fakeSource(200);
  const source: CreditSource = { read: fake.source.read }; // no subscribe
  const client = createStateStore<{ status: string }>({ status: 'idle' });
  render(<Credits source={source} options={{ client: client as never }} />);
  await waitFor(() => expect(screen.getByTestId('total').textContent).toBe('200'));
  fake.set(140, false); // charged at submit
  act(() => client.set({ status: 'running' }));
  await waitFor(() => expect(screen.getByTestId('total').textContent).toBe('140'));
  const reads = fake.reads;
  act(() => client.set({ status: 'running' })); // same status: no read
  expect(fake.reads).toBe(reads);
  fake.set(200, false); // refunded when it failed
  act(() => client.set({ status: 'failed' }));
  await waitFor(() => expect(screen.getByTestId('total').textContent).toBe('200'));
});

it('keeps the last balance and shows a typed error when a read fails', async () => {
  const fake = fakeSource(30);
  render(<Credits source={fake.source} />);
  await waitFor(() => expect(screen.getByTestId('total').textContent).toBe('30'));
  fake.failWith(new JobGateError('NETWORK_ERROR', 'offline'));
  act(() => screen.getByText('refresh').click());
  await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('NETWORK_ERROR'));
  expect(screen.getByTestId('total').textContent).toBe('30');
  fake.failWith(null);
  act(() => fake.set(25));
  await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
  expect(screen.getByTestId('total').textContent).toBe('25');
});
