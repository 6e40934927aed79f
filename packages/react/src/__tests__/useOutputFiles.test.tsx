// @vitest-environment happy-dom
import type { Job } from '@jobgate/core/client';
import { SAMPLE_PNG } from '@jobgate/example-tools';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { uuid } from '../../../core/src/client/__tests__/fakeServer.js';
import { useOutputFiles } from '../useOutputFiles.js';
import { useTool } from '../useTool.js';
import { setupRealServer } from './realServerSetup.js';

afterEach(cleanup);

const photo = () =>
  new File([SAMPLE_PNG as Uint8Array<ArrayBuffer>], 'me.png', { type: 'image/png' });

/** A page that upscales a photo and shows the results through useOutputFiles. */
function Upscale() {
  const runner = useTool('upscaler');
  const files = useOutputFiles(runner.job);
  return (
    <div>
      <button
        type="button"
        onClick={() =>
          void runner
            .run({ category: 'pessoas', version: 'pro', resolution: 2048 }, { image: photo() })
            .catch(() => undefined)
        }
      >
        Run
      </button>
      <p data-testid="status">{runner.status}</p>
      <p data-testid="files">{files.data === null ? 'none' : files.data.length}</p>
      {files.data?.map((f) => (
        <img key={f.url} src={f.url} alt={f.path ?? ''} data-type={f.contentType} />
      ))}
      {files.error && <p role="alert">{files.error.code}</p>}
      <button type="button" onClick={files.refresh}>
        Refresh
      </button>
    </div>
  );
}

/** Shows the files of a job given as it is (e.g. from a list of past jobs). */
function FilesOf({ job }: { job: Job | null }) {
  const files = useOutputFiles(job);
  return (
    <div>
      <p data-testid="files">{files.data === null ? 'none' : files.data.length}</p>
      {files.error && <p role="alert">{files.error.code}</p>}
    </div>
  );
}

const text = (id: string) => screen.getByTestId(id).textContent;

/** A completed upscaler job of `userId`, run on the server directly (another tab, another user). */
async function completedJob(
  sim: ReturnType<typeof setupRealServer>['sim'],
  userId: string,
  n: number,
) {
  const jobId = uuid(n);
  const path = `upscaler/${userId}/${jobId}/image.png`;
  sim.storage.put(path, SAMPLE_PNG);
  await sim.runner.submit({
    jobId,
    tool: 'upscaler',
    userId,
    input: { image: path, category: 'pessoas', version: 'pro', resolution: 2048 },
  });
  await act(async () => {
    await sim.clock.advance(1_000);
  });
  const job = await sim.store.get(jobId);
  expect(job?.status).toBe('completed');
  return job!;
}

describe('useOutputFiles against @jobgate/server', () => {
  it('asks nothing until the job completed with results, then shows the stored files', async () => {
    const { wrap, finish, count, sim } = setupRealServer();
    render(wrap(<Upscale />));
    expect(text('files')).toBe('none');
    fireEvent.click(screen.getByText('Run'));
    await waitFor(() => expect(text('status')).toBe('running'));
    // Uploaded into the server's storage, handed to the provider from there.
    expect(sim.provider.uploads.map((u) => u.field)).toEqual(['image']);
    expect(text('files')).toBe('none');
    expect(count(/\/files$/)).toBe(0);
    await finish();
    await waitFor(() => expect(text('status')).toBe('completed'));
    await waitFor(() => expect(text('files')).toBe('1'));
    expect(count(`GET /jobs/${uuid(301)}/files`)).toBe(1);
    const img = screen.getByRole('img') as HTMLImageElement;
    expect(img.alt).toBe(`upscaler/u1/${uuid(301)}/output-1.png`);
    expect(img.dataset.type).toBe('image/png');
    // The URL the storage signed gives the result's bytes (the memory storage signs data: URLs).
    const stored = await sim.storage.read(img.alt);
    const expected = new Uint8Array(await (await stored.blob()).arrayBuffer());
    const shown = img.getAttribute('src')!;
    const bytes = Uint8Array.from(atob(shown.slice(shown.indexOf(',') + 1)), (c) =>
      c.charCodeAt(0),
    );
    expect(bytes).toEqual(expected);
  });

  it('refresh() asks the server again (fresh URLs once they expired), keeping what it shows', async () => {
    const { wrap, finish, count } = setupRealServer();
    render(wrap(<Upscale />));
    fireEvent.click(screen.getByText('Run'));
    await waitFor(() => expect(text('status')).toBe('running'));
    await finish();
    await waitFor(() => expect(text('files')).toBe('1'));
    fireEvent.click(screen.getByText('Refresh'));
    await waitFor(() => expect(count(`GET /jobs/${uuid(301)}/files`)).toBe(2));
    expect(text('files')).toBe('1');
  });

  it("another user's job is NOT_FOUND; a completed job without result files reads nothing", async () => {
    const { wrap, sim, count } = setupRealServer();
    const foreign = await completedJob(sim, 'u2', 1);
    const view = render(wrap(<FilesOf job={foreign} />));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('NOT_FOUND'));
    expect(text('files')).toBe('none');
    const own = await completedJob(sim, 'u1', 2);
    const { output: _, ...withoutOutput } = own;
    view.rerender(wrap(<FilesOf job={{ ...withoutOutput, output: null }} />));
    expect(text('files')).toBe('none');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(count(`GET /jobs/${uuid(2)}/files`)).toBe(0);
    // The same job with its results: read, and the old error is gone.
    view.rerender(wrap(<FilesOf job={own} />));
    await waitFor(() => expect(text('files')).toBe('1'));
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
