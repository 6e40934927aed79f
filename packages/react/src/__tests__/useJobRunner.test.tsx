// @vitest-environment happy-dom

import type { JobClient } from '@jobgate/core/client';
import { invalidInputs, sampleInputs } from '@jobgate/example-tools';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { StrictMode, useEffect } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uuid } from '../../../core/src/client/__tests__/fakeServer.js';
import { ActiveJobBlock } from '../activeJobBlock.js';
import { useJobRunner, useTool } from '../useTool.js';
import { finish, setup } from './setup.js';

// The hook's states and lock, not files: the fake server's tools have no file fields here
// (createFakeServer's default), so a sample input needs no upload. Uploads and results are
// in useOutputFiles.test.tsx.
const valid = { ...sampleInputs['veste-ai'] };

let lastClient: JobClient | null = null;

function Runner({ input = valid }: { input?: Record<string, string | number> }) {
  const runner = useTool('veste-ai');
  useEffect(() => {
    lastClient = runner.client;
  }, [runner.client]);
  return (
    <div>
      <button type="button" onClick={() => runner.run(input)}>
        Run
      </button>
      <p data-testid="status">{runner.status}</p>
      {runner.position !== null && <p data-testid="position">{runner.position}</p>}
      {runner.progress !== null && <p data-testid="progress">{runner.progress}</p>}
      {runner.error && runner.status === 'failed' && (
        <p role="alert">
          {runner.error.code}: {runner.error.message}
        </p>
      )}
      <ActiveJobBlock runner={runner}>
        {(block) => (
          <div>
            <p>blocked by {block.job.id}</p>
            <button type="button" onClick={block.follow}>
              Follow
            </button>
            <button type="button" onClick={block.cancel} disabled={block.pending}>
              Cancel it
            </button>
            {block.confirming && (
              <div>
                <p>Give up place {block.job.position}?</p>
                <button type="button" onClick={block.confirmCancel}>
                  Yes
                </button>
                <button type="button" onClick={block.keep}>
                  No
                </button>
              </div>
            )}
          </div>
        )}
      </ActiveJobBlock>
    </div>
  );
}

const status = () => screen.getByTestId('status').textContent;

afterEach(() => {
  cleanup();
  lastClient = null;
  vi.restoreAllMocks();
});

describe('useJobRunner', () => {
  it('a double click sends one request', async () => {
    const { server, wrap } = setup();
    render(wrap(<Runner />));
    const button = screen.getByRole('button', { name: 'Run' });
    fireEvent.click(button);
    fireEvent.click(button);
    await waitFor(() => expect(status()).toBe('running'));
    fireEvent.click(button);
    expect(server.count('POST', '/jobs')).toBe(1);
    expect(server.count('GET', '/jobs/active')).toBe(1);
    await finish(server);
    await waitFor(() => expect(status()).toBe('completed'));
  });

  it('a server error shows the typed error, leaves the UI usable, and a retry works at once', async () => {
    const { server, wrap } = setup();
    const view = render(wrap(<Runner input={{ ...invalidInputs['veste-ai'] }} />));
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/^VALIDATION: /));
    expect(status()).toBe('failed');
    expect(lastClient?.getSnapshot().isBusy).toBe(false);
    await waitFor(() => expect(server.count('POST', `/jobs/${uuid(101)}/cancel`)).toBe(1));
    view.rerender(wrap(<Runner input={valid} />));
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(status()).toBe('running'));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('the queue position updates live, then progress, then completed', async () => {
    const { server, wrap } = setup({ cap: 1 });
    await server.submitAs('a', uuid(1));
    await server.submitAs('b', uuid(2));
    render(wrap(<Runner />));
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(screen.getByTestId('position').textContent).toBe('2'));
    await finish(server);
    await waitFor(() => expect(screen.getByTestId('position').textContent).toBe('1'));
    await finish(server);
    await waitFor(() => expect(status()).toBe('running'));
    expect(screen.queryByTestId('position')).toBeNull();
    await act(async () => {
      await server.progress(uuid(101), 0.5);
    });
    await waitFor(() => expect(screen.getByTestId('progress').textContent).toBe('0.5'));
    await finish(server);
    await waitFor(() => expect(status()).toBe('completed'));
  });

  it('blocked by a real queued job: cancel asks first, only "Yes" sends the confirmed cancel', async () => {
    const { server, wrap } = setup({ cap: 1 });
    await server.submitAs('other', uuid(1));
    await server.submitAs('u1', uuid(2));
    render(wrap(<Runner />));
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await screen.findByText(`blocked by ${uuid(2)}`);
    expect(status()).toBe('blocked');
    expect(server.count('POST', '/jobs')).toBe(0);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel it' }));
    expect(screen.getByText('Give up place 1?')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'No' }));
    expect(screen.queryByText('Give up place 1?')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel it' }));
    expect(server.count('POST', `/jobs/${uuid(2)}/cancel`)).toBe(0);
    fireEvent.click(screen.getByRole('button', { name: 'Yes' }));
    await waitFor(() => expect(status()).toBe('idle'));
    expect(server.requests.find((r) => r.path === `/jobs/${uuid(2)}/cancel`)?.body).toEqual({
      confirm: true,
    });
    expect(screen.queryByText(/blocked by/)).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(status()).toBe('queued'));
  });

  it('blocked: "Follow" follows the active job to its end', async () => {
    const { server, wrap } = setup();
    await server.submitAs('u1', uuid(5));
    render(wrap(<Runner />));
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await screen.findByText(`blocked by ${uuid(5)}`);
    fireEvent.click(screen.getByRole('button', { name: 'Follow' }));
    await waitFor(() => expect(status()).toBe('running'));
    expect(screen.queryByText(/blocked by/)).toBeNull();
    await finish(server);
    await waitFor(() => expect(status()).toBe('completed'));
  });

  it('a network drop mid-request ends in a clean state: failsafe cancel attempted, lock released', async () => {
    const { server, wrap } = setup();
    server.fault('POST', '/jobs', 'network');
    render(wrap(<Runner />));
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/^NETWORK_ERROR: /));
    expect(status()).toBe('failed');
    expect(lastClient?.getSnapshot().isBusy).toBe(false);
    await waitFor(() => expect(server.count('POST', `/jobs/${uuid(101)}/cancel`)).toBe(1));
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(status()).toBe('running'));
  });

  it('unmounting stops every subscription and timer', async () => {
    const { server, clock, wrap } = setup();
    const add = vi.spyOn(document, 'addEventListener');
    const remove = vi.spyOn(document, 'removeEventListener');
    const view = render(wrap(<Runner />));
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(status()).toBe('running'));
    await waitFor(() => expect(server.openStreams).toBe(1));
    const client = lastClient;
    expect(client?.listenerCount).toBeGreaterThan(0);
    expect(client?.isWatching).toBe(true);
    view.unmount();
    await act(async () => {});
    expect(client?.listenerCount).toBe(0);
    expect(client?.isWatching).toBe(false);
    expect(server.openStreams).toBe(0);
    expect(clock.pending).toBe(0);
    const added = add.mock.calls.filter(([type]) => type === 'visibilitychange').map((c) => c[1]);
    const removed = remove.mock.calls
      .filter(([type]) => type === 'visibilitychange')
      .map((c) => c[1]);
    expect(added.length).toBeGreaterThan(0);
    expect(removed).toEqual(expect.arrayContaining(added));
  });

  it('works under StrictMode (double effects do not break the client)', async () => {
    const { server, wrap } = setup();
    render(<StrictMode>{wrap(<Runner />)}</StrictMode>);
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(status()).toBe('running'));
    await finish(server);
    await waitFor(() => expect(status()).toBe('completed'));
    expect(server.count('POST', '/jobs')).toBe(1);
  });

  it('the old name useJobRunner still works: it is useTool (deprecated alias)', () => {
    expect(useJobRunner).toBe(useTool);
  });
});
