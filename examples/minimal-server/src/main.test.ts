import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe("the root README's minimal server", () => {
  it('runs as a script: a job reaches completed, then the process exits 0 by itself', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = execFile(
          'node_modules/.bin/tsx',
          ['--conditions=@jobgate/source', 'examples/minimal-server/src/main.ts'],
          { cwd: root, timeout: 30_000 },
          (error, stdout, stderr) =>
            resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
        );
        child.stdin?.end();
      },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [first = '', ...rest] = result.stdout.trim().split('\n');
    expect(first).toMatch(/^[0-9a-f-]{36} is running$/);
    const id = first.slice(0, 36);
    // Its files went through the storage: the simulated PNG result was copied there before
    // the job completed, at the job's own output path.
    expect(rest.join('\n')).toBe(
      `${id} is completed ${inspect([`veste-ai/user-1/${id}/output-1.png`])}`,
    );
  });
});
