import type { JobTransport } from '@jobgate/core/client';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ActiveJobBlock } from '../activeJobBlock.js';
import { JobGateProvider } from '../jobGateProvider.js';
import { useActiveJob } from '../useActiveJob.js';
import { useTool } from '../useTool.js';

/**
 * Server rendering (docs/react.md, "SSR"): the hooks render their initial state on the server
 * and touch nothing there — no request, no timer, no subscription; the browser takes over after
 * hydration.
 */
function Page() {
  const job = useTool('veste-ai');
  const active = useActiveJob();
  return (
    <div>
      <p>status: {job.status}</p>
      <p>busy: {String(job.isBusy)}</p>
      <p>active: {active.loading ? 'checking' : (active.job?.id ?? 'none')}</p>
      <ActiveJobBlock runner={job}>{() => <p>blocked</p>}</ActiveJobBlock>
    </div>
  );
}

describe('server rendering', () => {
  it('renders the idle state and sends nothing', () => {
    const calls: string[] = [];
    const refuse = (name: string) => () => {
      calls.push(name);
      throw new Error(`${name} called during server rendering`);
    };
    const transport = {
      submit: refuse('submit'),
      get: refuse('get'),
      active: refuse('active'),
      cancel: refuse('cancel'),
    } as unknown as JobTransport;
    const updates = { subscribe: refuse('subscribe') };
    const html = renderToString(
      <JobGateProvider config={{ transport, updates }}>
        <Page />
      </JobGateProvider>,
    );
    expect(html).toContain('status: <!-- -->idle');
    expect(html).toContain('busy: <!-- -->false');
    expect(html).toContain('active: <!-- -->checking');
    expect(html).not.toContain('blocked');
    expect(calls).toEqual([]);
  });
});
