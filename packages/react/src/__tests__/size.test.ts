import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/size.mjs', import.meta.url));

it('the browser bundle (react package + @jobgate/core/client, min+gzip) stays within its budget', () => {
  const out = execFileSync(process.execPath, [script, '--json'], { encoding: 'utf8' });
  const report = JSON.parse(out) as {
    gzip: number;
    budget: number;
    forbidden: string[];
    core: { gzip: number };
  };
  expect(report.forbidden).toEqual([]);
  expect(report.core.gzip).toBeGreaterThan(1_000);
  expect(report.gzip).toBeLessThanOrEqual(report.budget);
  expect(report.budget).toBe(10 * 1024);
});
