// @vitest-environment happy-dom

import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uuid } from '../../../core/src/client/__tests__/fakeServer.js';
import { ActiveJobBlock } from '../activeJobBlock.js';
import { useActiveJob } from '../useActiveJob.js';
import { useJob } from '../useJob.js';
import { finish, setup } from './setup.js';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function JobView({ id }: { id: string | null }) {
  const state = useJob(id);
  return (
    <p data-testid="job">
      {state.status}
      {state.position !== null ? ` #${state.position}` : ''}
    </p>
  );
}

function ActiveView() {
  const active = useActiveJob();
  return (
    <div>
      <p data-testid="active">{active.loading ? 'loading' : (active.job?.id ?? 'none')}</p>
      <ActiveJobBlock>
        {(block) => (
          <div>
            <p data-testid="block">
              {block.following ? `following ${block.state.status}` : `active ${block.job.status}`}
            </p>
            <button type="button" onClick={block.cancel}>
              Cancel it
            </button>
            <button type="button" onClick={block.follow}>
              Follow
            </button>
          </div>
        )}
      </ActiveJobBlock>
    </div>
  );
}

describe('useJob and useActiveJob', () => {
  it('useJob follows a job by id live', async () => {
    const { server, wrap } = setup({ cap: 1 });
    await server.submitAs('a', uuid(1));
    await server.submitAs('u1', uuid(2));
    render(wrap(<JobView id={uuid(2)} />));
    await waitFor(() => expect(screen.getByTestId('job').textContent).toBe('queued #1'));
    await finish(server);
    await waitFor(() => expect(screen.getByTestId('job').textContent).toBe('running'));
    await finish(server);
    await waitFor(() => expect(screen.getByTestId('job').textContent).toBe('completed'));
  });

  it('useActiveJob and a standalone ActiveJobBlock: a phantom starting job is cancelled without asking', async () => {
    const { server, wrap } = setup();
    await server.store.create(
      {
        id: uuid(9),
        tool: 'veste-ai',
        userId: 'u1',
        pool: 'default',
        input: {},
        userCreditCost: 0,
      },
      { maxActivePerUser: 1, now: server.clock.now() },
    );
    render(wrap(<ActiveView />));
    expect(screen.getByTestId('active').textContent).toBe('loading');
    await waitFor(() => expect(screen.getByTestId('active').textContent).toBe(uuid(9)));
    expect(screen.getByTestId('block').textContent).toBe('active starting');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel it' }));
    await waitFor(() => expect(screen.getByTestId('active').textContent).toBe('none'));
    expect(screen.queryByTestId('block')).toBeNull();
    expect(server.requests.find((r) => r.path === `/jobs/${uuid(9)}/cancel`)?.body).toEqual({});
  });

  it('useActiveJob checks again when the tab becomes visible (a job started in another tab)', async () => {
    const { server, wrap } = setup();
    render(wrap(<ActiveView />));
    await waitFor(() => expect(screen.getByTestId('active').textContent).toBe('none'));
    await server.submitAs('u1', uuid(4));
    expect(document.visibilityState).toBe('visible');
    act(() => {
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await waitFor(() => expect(screen.getByTestId('active').textContent).toBe(uuid(4)));
  });

  it('a standalone ActiveJobBlock can follow the active job to its end', async () => {
    const { server, wrap } = setup();
    await server.submitAs('u1', uuid(3));
    render(wrap(<ActiveView />));
    await waitFor(() => expect(screen.getByTestId('block').textContent).toBe('active running'));
    fireEvent.click(screen.getByRole('button', { name: 'Follow' }));
    await waitFor(() => expect(screen.getByTestId('block').textContent).toBe('following running'));
    await finish(server);
    await waitFor(() =>
      expect(screen.getByTestId('block').textContent).toBe('following completed'),
    );
  });

  it('unmounting useActiveJob and useJob while they follow live closes every stream and timer', async () => {
    const { server, clock, wrap } = setup();
    await server.submitAs('u1', uuid(3));
    const view = render(
      wrap(
        <>
          <ActiveView />
          <JobView id={uuid(3)} />
        </>,
      ),
    );
    await waitFor(() => expect(screen.getByTestId('job').textContent).toBe('running'));
    await waitFor(() => expect(server.openStreams).toBe(3)); // hook, block, useJob
    view.unmount();
    await act(async () => {});
    expect(server.openStreams).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
