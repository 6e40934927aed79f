import type { Job } from '@jobgate/core/client';
import { ActiveJobBlock, useJobRunner } from '@jobgate/react';
import { useState } from 'react';

export interface ToolPageProps {
  tool: string;
  name: string;
  /** The input fields that are files, with what they accept. */
  files: ReadonlyArray<{ field: string; label: string; accept: string }>;
  /** Input fields other than files. */
  input?: Record<string, string | number>;
}

/** One tool: pick its files, run it, follow it to the end (queue position, progress, result). */
export function ToolPage({ tool, name, files, input = {} }: ToolPageProps) {
  const job = useJobRunner(tool);
  const [picked, setPicked] = useState<Record<string, File>>({});
  const ready = files.every((f) => picked[f.field]);
  return (
    <section data-testid={`page-${tool}`}>
      <h2>{name}</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void job.run(input, picked);
        }}
      >
        {files.map((f) => (
          <label key={f.field}>
            {f.label}{' '}
            <input
              type="file"
              accept={f.accept}
              data-testid={`file-${f.field}`}
              onChange={(event) => {
                const file = event.currentTarget.files?.[0];
                if (file) setPicked((p) => ({ ...p, [f.field]: file }));
              }}
            />
          </label>
        ))}
        <button type="submit" disabled={!ready || job.isBusy} data-testid="run">
          Run
        </button>
        {job.needsConfirm ? (
          <button type="button" onClick={() => void job.cancel(true)}>
            Cancel
          </button>
        ) : null}
      </form>
      <p data-testid="status">
        {job.status === 'idle' && 'Ready.'}
        {job.status === 'uploading' && `Uploading… ${Math.round((job.progress ?? 0) * 100)} %`}
        {job.status === 'starting' && 'Starting…'}
        {job.status === 'queued' && `Number ${job.position} in the queue`}
        {job.status === 'running' && 'Running…'}
        {job.status === 'completed' && 'Done.'}
        {job.status === 'failed' && `${job.error?.code}: ${job.error?.message}`}
        {job.status === 'blocked' && 'You already have a job.'}
      </p>
      {job.status === 'completed' ? <Result job={job.job} /> : null}
      <ActiveJobBlock runner={job}>
        {(block) => (
          <div role="status">
            <p>
              Your {block.job.tool} job is {block.job.status}.
            </p>
            <button type="button" onClick={block.follow}>
              Follow it
            </button>
            <button type="button" onClick={block.cancel} disabled={block.pending}>
              Cancel it
            </button>
            {block.confirming ? (
              <p>
                It holds place {block.job.position} in the queue. Give it up?{' '}
                <button type="button" onClick={block.confirmCancel}>
                  Yes
                </button>
                <button type="button" onClick={block.keep}>
                  No
                </button>
              </p>
            ) : null}
          </div>
        )}
      </ActiveJobBlock>
    </section>
  );
}

function Result({ job }: { job: Job | null }) {
  const files = (job?.output as { files?: string[] } | null)?.files ?? [];
  return (
    <ul data-testid="result">
      {files.map((url) => (
        <li key={url}>
          <a href={url} target="_blank" rel="noreferrer">
            {url.split('/').pop()}
          </a>
        </li>
      ))}
    </ul>
  );
}
