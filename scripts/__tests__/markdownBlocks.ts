// The Markdown pages of the repository and their fenced code blocks, for the docs tests
// (docs.test.ts, docTimeouts.test.ts, readmeShell.test.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const tracked = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard'],
  { cwd: root, encoding: 'utf8' },
)
  .split('\n')
  .filter((f) => f && existsSync(join(root, f)));
export const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** Every Markdown page: READMEs and docs/, not changesets or changelogs. */
export const pages = tracked.filter(
  (f) => f.endsWith('.md') && !f.startsWith('.changeset/') && !f.endsWith('CHANGELOG.md'),
);

export interface Block {
  page: string;
  line: number;
  lang: string;
  flags: string[];
  body: string;
}

/** The fenced code blocks of a page: language, the words after it, the text inside. */
export function blocks(page: string): Block[] {
  const out: Block[] = [];
  const lines = read(page).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(\S*)\s*(.*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i]!);
    out.push({
      page,
      line: start + 1,
      lang: open[1] ?? '',
      flags: (open[2] ?? '').split(/\s+/).filter(Boolean),
      body: body.join('\n'),
    });
  }
  return out;
}

export const SHELL = new Set(['sh', 'bash', 'shell', 'console']);
export const where = (b: Block) => `${b.page}:${b.line}`;

/** The markdown tables of a page: each a header and its rows, cells trimmed. */
export function tables(page: string): Array<{ line: number; header: string[]; rows: string[][] }> {
  const out: Array<{ line: number; header: string[]; rows: string[][] }> = [];
  const lines = read(page).split('\n');
  const cells = (l: string) =>
    l
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim());
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\|/.test(lines[i]!) || !/^\s*\|[\s:|-]+\|\s*$/.test(lines[i + 1] ?? '')) continue;
    const table = { line: i + 1, header: cells(lines[i]!), rows: [] as string[][] };
    for (i += 2; i < lines.length && /^\s*\|/.test(lines[i]!); i++)
      table.rows.push(cells(lines[i]!));
    out.push(table);
  }
  return out;
}
