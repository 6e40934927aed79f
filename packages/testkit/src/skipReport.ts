import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: gives the run one skip log (workers inherit `JOBGATE_SKIP_LOG`) and
 * prints once, after the run, which service-backed suites `describeWith` skipped and why.
 */
export default function skipReport(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'jobgate-skips-'));
  const log = join(dir, 'skipped.jsonl');
  process.env.JOBGATE_SKIP_LOG = log;
  return () => {
    let lines: string[] = [];
    try {
      lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    } catch {
      // nothing was skipped
    }
    rmSync(dir, { recursive: true, force: true });
    if (lines.length === 0) return;
    const byReason = new Map<string, string[]>();
    for (const line of lines) {
      const { title, reason } = JSON.parse(line) as { title: string; reason: string };
      byReason.set(reason, [...(byReason.get(reason) ?? []), title]);
    }
    const out = ['', `Skipped ${lines.length} service-backed suite(s):`];
    for (const [reason, titles] of byReason) {
      out.push(`  ${reason}`);
      for (const title of titles) out.push(`    - ${title}`);
    }
    out.push(
      '  (set JOBGATE_REQUIRE_SERVICES=1 to make a missing service fail the run, as CI does)',
    );
    console.log(out.join('\n'));
  };
}
