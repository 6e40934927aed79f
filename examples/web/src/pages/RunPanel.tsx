import type { JsonObject } from '@jobgate/core/client';
import { ActiveJobBlock, type ToolHandle, useOutputFiles, useQuote } from '@jobgate/react';
import { type ReactNode, useEffect, useState } from 'react';

export interface RunPanelProps {
  tool: string;
  /** The tool's file fields: each gets a placeholder in the quote (files are not uploaded yet). */
  files: readonly string[];
  // biome-ignore lint/suspicious/noExplicitAny: any tool's typed runner
  runner: ToolHandle<any>;
  /** What is wrong with the form (an empty field, a bad file): shown, and Run sends nothing. */
  problem: string | null;
  /** Starts the run with the form's input and files. */
  onRun(): Promise<unknown>;
  /** The form's input without its files: what the server prices before Run. */
  quote: JsonObject;
  /** Draws a completed job's first result, given its signed URL. */
  output(url: string): ReactNode;
}

const STATUS_TEXT: Record<string, string> = {
  idle: 'ready',
  uploading: 'uploading',
  starting: 'starting',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  blocked: 'blocked by another job',
};

/**
 * Everything a tool page shows around its form, on @jobgate/react alone: Run (one job per
 * click burst: the client's lock), the status with queue position and progress, the price
 * the server set, cancel with a confirmation for a job that really waits or runs, the
 * active-job block (follow it / cancel it), typed errors, and the output. On mount it
 * re-attaches to the user's running job of this tool (a reload mid-job).
 */
export function RunPanel({ tool, files, runner, problem, onRun, quote, output }: RunPanelProps) {
  const [notice, setNotice] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const { client } = runner;
  // The price comes from the server's tool registry; files are not uploaded yet, so each
  // file field holds a placeholder.
  const placeholders = Object.fromEntries(files.map((f) => [f, 'file']));
  const price = useQuote(tool, { ...quote, ...placeholders });
  const results = useOutputFiles(runner.status === 'completed' ? runner.job : null);
  const url = results.data?.[0]?.url ?? null;
  // A new problem (or none) replaces the last message.
  // biome-ignore lint/correctness/useExhaustiveDependencies: problem is the trigger
  useEffect(() => setNotice(null), [problem]);
  useEffect(() => {
    client.checkActive().then(
      (job) => {
        if (job && job.tool === tool) void client.follow(job.id).catch(() => {});
      },
      () => {},
    );
  }, [client, tool]);

  const run = () => {
    setNotice(null);
    setConfirming(false);
    if (problem) {
      setNotice(problem);
      return;
    }
    onRun().catch((error: { code?: string }) => {
      if (error?.code === 'CLIENT_BUSY')
        setNotice('One job at a time: this one is already on its way.');
    });
  };
  const cancel = () => {
    if (runner.needsConfirm) setConfirming(true);
    else void runner.cancel();
  };
  const status =
    runner.status === 'queued'
      ? `queued, position ${runner.position ?? '?'}`
      : runner.status === 'running' && runner.progress !== null
        ? `running ${Math.round(runner.progress * 100)}%`
        : runner.status === 'uploading'
          ? `uploading ${Math.round((runner.progress ?? 0) * 100)}%`
          : (STATUS_TEXT[runner.status] ?? runner.status);
  const job = runner.job;
  const active = ['uploading', 'starting', 'queued', 'running'].includes(runner.status);

  return (
    <div className="run-panel">
      <div className="actions">
        <button type="button" data-testid="run" className="primary" onClick={run}>
          Run
        </button>
        {active ? (
          <button type="button" data-testid="cancel" onClick={cancel}>
            Cancel
          </button>
        ) : null}
        {runner.status === 'completed' || runner.status === 'failed' ? (
          <button type="button" data-testid="reset" onClick={() => runner.reset()}>
            New run
          </button>
        ) : null}
      </div>
      {problem || notice ? (
        <p className="notice" data-testid="notice" role="alert">
          {notice ?? problem}
        </p>
      ) : null}
      {confirming && active ? (
        <div className="confirm" data-testid="confirm">
          <p>
            {runner.status === 'queued'
              ? `This job is number ${runner.position} in the queue. Give up its place?`
              : 'This job is running at the provider. Stop it?'}
          </p>
          <button
            type="button"
            data-testid="confirm-cancel"
            onClick={() => {
              setConfirming(false);
              void runner.cancel(true);
            }}
          >
            Yes, cancel it
          </button>
          <button type="button" data-testid="keep" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      ) : null}
      <p className={`status status-${runner.status}`}>
        Status: <strong data-testid="status">{status}</strong>
        {runner.status === 'running' && runner.progress !== null ? (
          <progress data-testid="progress" value={runner.progress} max={1} />
        ) : null}
      </p>
      {job && runner.status !== 'blocked' ? (
        <p className="meta">
          <span data-testid="price">{job.userCreditCost} credits</span> (price set by the server) ·
          job <code data-testid="job-id">{job.id}</code>
        </p>
      ) : (
        <p className="meta">
          Costs{' '}
          <span data-testid="quote">{price.data ? `${price.data.credits} credits` : '…'}</span>{' '}
          (price set by the server)
        </p>
      )}
      {runner.error && runner.status !== 'blocked' ? (
        <p className="error" role="alert">
          <code data-testid="error-code">{runner.error.code}</code>{' '}
          <span data-testid="error-message">{runner.error.message}</span>
        </p>
      ) : null}
      <ActiveJobBlock runner={runner}>
        {(block) => (
          <div className="block" data-testid="block">
            <p>
              You already have a job: <strong>{block.job.tool}</strong>, {block.job.status}
              {block.job.position ? ` (position ${block.job.position})` : ''}. One job at a time.
            </p>
            {block.confirming ? (
              <>
                <p>It really waits in the queue or runs. Cancel it anyway?</p>
                <button type="button" data-testid="block-confirm" onClick={block.confirmCancel}>
                  Yes, cancel it
                </button>
                <button type="button" data-testid="block-keep" onClick={block.keep}>
                  Keep it
                </button>
              </>
            ) : (
              <>
                <button type="button" data-testid="block-follow" onClick={block.follow}>
                  Follow it
                </button>
                <button type="button" data-testid="block-cancel" onClick={block.cancel}>
                  Cancel it
                </button>
              </>
            )}
            {block.error ? <p className="error">{block.error.message}</p> : null}
          </div>
        )}
      </ActiveJobBlock>
      {runner.status === 'completed' ? (
        <div className="output" data-testid="output">
          {url ? output(url) : results.error ? results.error.message : 'loading the result…'}
        </div>
      ) : null}
    </div>
  );
}
