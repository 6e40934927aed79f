'use client';
import {
  type Job,
  type JobClientState,
  type JobGateError,
  toJobGateError,
} from '@jobgate/core/client';
import { createElement, type ReactElement, type ReactNode, useCallback, useState } from 'react';
import { useActiveJob } from './useActiveJob.js';
import type { ToolHandle } from './useTool.js';

export interface ActiveJobBlockRenderProps {
  /** The user's active job that blocks a new run. */
  job: Job;
  /** The client state (after `follow` without a runner: the followed job's progress). */
  state: JobClientState;
  /** Following the job rather than offering the choice. */
  following: boolean;
  /** Cancelling needs the user's confirmation: the job really waits in the queue, or runs. */
  needsConfirm: boolean;
  /** `cancel()` was called on a job that needs confirmation: show the question. */
  confirming: boolean;
  /** A cancel request is in flight. */
  pending: boolean;
  error: JobGateError | null;
  /** Follow the active job instead of starting a new one. */
  follow(): void;
  /** Cancel it: at once for a job not really waiting; otherwise asks first (`confirming`). */
  cancel(): void;
  /** The user confirmed: cancel the job even though it holds a queue place or runs. */
  confirmCancel(): void;
  /** The user changed their mind: close the question. */
  keep(): void;
}

export interface ActiveJobBlockProps {
  /** Take the blocked state from this runner (and follow with it). Without: checks by itself. */
  runner?: ToolHandle;
  /** Called by `follow()` instead of following here (e.g. to navigate to the tool's page). */
  onFollow?: (job: Job) => void;
  children: (props: ActiveJobBlockRenderProps) => ReactNode;
}

interface Source {
  state: JobClientState;
  follow(jobId: string): void;
  cancel(confirm: boolean): Promise<unknown>;
}

/**
 * Headless: renders `children(...)` while the user has an active job blocking a new run,
 * nothing otherwise. The user may follow it, or cancel it; a job that really waits in the
 * queue (or runs) is cancelled only after `confirmCancel()`.
 */
export function ActiveJobBlock(props: ActiveJobBlockProps): ReactElement {
  return createElement(props.runner ? RunnerBlock : StandaloneBlock, props);
}

// Return types are ReactElement | null (not ReactNode) so the components type-check as JSX
// with the React 18 typings too; React renders any node a component returns.
const render = (view: ActiveJobBlockRenderProps, children: ActiveJobBlockProps['children']) =>
  children(view) as ReactElement;

function RunnerBlock(props: ActiveJobBlockProps): ReactElement | null {
  const runner = props.runner!;
  const view = useBlock(
    {
      state: runner.state,
      follow: (id) => void runner.follow(id),
      cancel: (confirm) => runner.cancel(confirm),
    },
    props.onFollow,
  );
  return runner.status === 'blocked' && view ? render(view, props.children) : null;
}

function StandaloneBlock(props: ActiveJobBlockProps): ReactElement | null {
  const active = useActiveJob();
  const view = useBlock(
    {
      state: active.state,
      follow: () => void active.follow(),
      cancel: (confirm) => active.cancel(confirm),
    },
    props.onFollow,
  );
  return view && active.state.status !== 'idle' ? render(view, props.children) : null;
}

function useBlock(
  source: Source,
  onFollow: ((job: Job) => void) | undefined,
): ActiveJobBlockRenderProps | null {
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<JobGateError | null>(null);
  const { state } = source;
  const job = state.job;
  const send = useCallback(
    (confirm: boolean) => {
      setPending(true);
      setError(null);
      source.cancel(confirm).then(
        () => {
          setPending(false);
          setConfirming(false);
        },
        (e: unknown) => {
          const err = toJobGateError(e);
          setPending(false);
          // The server knows better (the job started running meanwhile): ask the user.
          if (err.code === 'CONFIRM_REQUIRED') setConfirming(true);
          else setError(err);
        },
      );
    },
    [source],
  );
  if (!job) return null;
  const needsConfirm = state.needsConfirm;
  return {
    job,
    state,
    following: state.status !== 'blocked',
    needsConfirm,
    confirming,
    pending,
    error: error ?? (state.error?.code === 'CONFIRM_REQUIRED' ? null : state.error),
    follow: () => {
      setConfirming(false);
      if (onFollow) onFollow(job);
      else source.follow(job.id);
    },
    cancel: () => {
      if (needsConfirm) setConfirming(true);
      else send(false);
    },
    confirmCancel: () => send(true),
    keep: () => setConfirming(false),
  };
}
