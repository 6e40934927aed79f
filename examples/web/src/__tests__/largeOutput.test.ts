import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..', '..');

it('stores a 200 MB video result with bounded memory; a copy cut half-way leaves the job running and is retried until stored', async () => {
  // Its own process, so the peak RSS is this copy's alone.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@jobgate/source',
      join(here, 'fixtures', 'largeOutputWorker.ts'),
    ],
    { cwd: repo, timeout: 180_000, maxBuffer: 1 << 20 },
  );
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!);
  console.log(
    `200 MB result stored: peak RSS ${r.peakRssMb} MB (${r.baselineRssMb} MB before the copy), ${r.downloads} downloads`,
  );
  expect(r.firstError).toBe('STORAGE_ERROR');
  expect(r.afterCut).toBe('running');
  expect(r.status).toBe('completed');
  expect(r.storedBytes).toBe(r.expectedBytes);
  expect(r.headSha).toBe(r.mp4HeadSha);
  // Nothing half-written stays behind: the input and the one result.
  expect(r.files).toEqual(['output-1.mp4', 'video.mp4']);
  expect(r.downloads).toBe(2);
  // Holding the file whole would add 200 MB or more.
  expect(r.peakRssMb - r.baselineRssMb).toBeLessThan(100);
}, 240_000);
