// The timeout tables of the docs agree with the runner's defaults (DEFAULT_TIMEOUTS and
// DEFAULT_RETRY of packages/core/src/runner/runnerOptions.ts): every row that names a timeout
// (`timeouts.x`, `retry.x`, or `x` alone in its first cell) gives its default, and
// docs/production.md lists every one of them. The healing query of docs/production.md counts
// every code heal ends a job with (packages/core/src/domain/healVerdict.ts and
// packages/core/src/runner/healer.ts).
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, DEFAULT_TIMEOUTS } from '../../packages/core/src/runner/runnerOptions.js';
import { pages, read, tables } from './markdownBlocks.js';

type Defaults = Record<string, number | null | readonly number[]>;
const DEFAULTS: Record<'timeouts' | 'retry', Defaults> = {
  timeouts: DEFAULT_TIMEOUTS,
  retry: DEFAULT_RETRY,
};

/** A default as the docs write it: `15 s`, `10 min`, `3 s, 8 s, 15 s`, `no limit`. */
function written(value: number | null | readonly number[]): RegExp {
  const one = (ms: number) =>
    ms > 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
  if (value === null) return /^(no limit|none)\b/;
  if (typeof value === 'number') return new RegExp(`^${one(value)}(?![\\d.])`);
  return new RegExp(`^${value.map(one).join(', ')}(?![\\d.])`);
}

/** The runner option a table row is about, when it names one. */
function optionOf(cells: string[]): { group: 'timeouts' | 'retry'; key: string } | null {
  for (const cell of cells) {
    const dotted = /^`(timeouts|retry)\.(\w+)`/.exec(cell);
    if (dotted && dotted[2]! in DEFAULTS[dotted[1] as 'timeouts' | 'retry'])
      return { group: dotted[1] as 'timeouts' | 'retry', key: dotted[2]! };
  }
  const bare = /^`(\w+)`/.exec(cells[0] ?? '')?.[1];
  if (bare && bare in DEFAULT_TIMEOUTS) return { group: 'timeouts', key: bare };
  return null;
}

const rows = pages.flatMap((page) =>
  tables(page).flatMap((table) => {
    const column = table.header.findIndex((h) => /^default$/i.test(h));
    if (column < 0) return [];
    return table.rows.flatMap((cells) => {
      const option = optionOf(cells);
      return option ? [{ page, line: table.line, cells, column, ...option }] : [];
    });
  }),
);

describe('the timeout tables of the docs', () => {
  it('every row that names a runner timeout gives its default', () => {
    expect(rows.length).toBeGreaterThan(10);
    const problems = rows
      .filter((r) => !written(DEFAULTS[r.group][r.key]!).test(r.cells[r.column]!))
      .map(
        (r) =>
          `${r.page} (table at line ${r.line}): ${r.group}.${r.key} is "${r.cells[r.column]}", the default is ${JSON.stringify(DEFAULTS[r.group][r.key])} ms`,
      );
    expect(problems).toEqual([]);
  });

  it('docs/production.md lists every runner timeout', () => {
    const listed = new Set(
      rows
        .filter((r) => r.page === 'docs/production.md' && r.group === 'timeouts')
        .map((r) => r.key),
    );
    expect(Object.keys(DEFAULT_TIMEOUTS).filter((key) => !listed.has(key))).toEqual([]);
  });

  it('the healing query of docs/production.md counts every code heal ends a job with', () => {
    // The union of HealVerdict's codes, and the codes the healer ends jobs with itself.
    const union = /errorCode: ([^;]+);/.exec(read('packages/core/src/domain/healVerdict.ts'))![1]!;
    const healer = read('packages/core/src/runner/healer.ts').match(/errorCode: '\w+'/g) ?? [];
    const codes = new Set([union, ...healer].flatMap((t) => t.match(/[A-Z][A-Z_]{3,}/g) ?? []));
    expect(codes).toContain('START_LOST');
    expect(codes.size).toBeGreaterThanOrEqual(4);
    const doc = read('docs/production.md');
    const query = /-- Healing at work[\s\S]*?error_code in \(([^)]*)\)/.exec(doc)?.[1] ?? '';
    const counted = new Set([...query.matchAll(/'(\w+)'/g)].map((m) => m[1]!));
    expect([...codes].filter((code) => !counted.has(code))).toEqual([]);
  });
});
