// The docs agree with the code. Every Markdown page of the repository (READMEs and docs/) is
// read, and:
// - a code block that could be taken for a program is either run by a test or says it is a
//   fragment: a ts/tsx/js block carries `file=PATH` (the block is that file, or part of it
//   verbatim, and a test runs the file) or `fragment` in its info string; a shell block is
//   checked command by command (npm scripts, bins, flags, environment variables) or is a
//   `fragment`;
// - every CLI flag, environment variable and error-code-like name written in backticks exists in
//   the code;
// - no page or source file sends the reader to a file outside this repository.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../packages/core/src/domain/errors.js';
import { blocks, pages, read, root, SHELL, tracked, where } from './markdownBlocks.js';

const sources = tracked.filter(
  (f) =>
    /\.(ts|tsx|mts|js|mjs|cjs|sh|sql)$/.test(f) &&
    !f.includes('__tests__') &&
    !/\.test\.tsx?$/.test(f) &&
    !f.startsWith('docs/'),
);
const sourceText = sources.map(read).join('\n');
const testFiles = tracked.filter((f) => /\.test\.tsx?$/.test(f));
const testText = testFiles.map(read).join('\n');
const rootScripts = Object.keys(
  (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts,
);
const bins = new Set(
  tracked
    .filter((f) => f.endsWith('package.json'))
    .flatMap((f) => {
      const bin = (JSON.parse(read(f)) as { bin?: string | Record<string, string> }).bin;
      return bin && typeof bin === 'object' ? Object.keys(bin) : [];
    }),
);

const allBlocks = pages.flatMap(blocks);

/** Where the browser runs: a code raised only in these files is never an HTTP answer. */
const CLIENT_FILE =
  /^packages\/core\/src\/client\/|^packages\/react\/src\/|^packages\/supabase\/src\/functionsTransport\.ts$|^examples\/[^/]+\/src\/(client|pages)\/|^examples\/supabase\/web\//;
/** The files that define the codes and their messages (not places that raise them). */
const CODE_TABLES = /^packages\/core\/src\/domain\/(errors|publicMessage)\.ts$/;
function clientOnly(code: string): boolean {
  const raisers = sources.filter((f) => !CODE_TABLES.test(f) && read(f).includes(`'${code}'`));
  return raisers.length > 0 && raisers.every((f) => CLIENT_FILE.test(f));
}
const CODE = new Set(['ts', 'tsx', 'js', 'jsx', 'mjs', 'typescript', 'javascript']);
const normalise = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A CLI flag some source parses: `'--name'`, or a `name` option of util.parseArgs. */
function parsed(flag: string): boolean {
  const name = escapeRegExp(flag.slice(2));
  return new RegExp(`(['"])(--)?${name}\\1|[{,\\s]${name}: \\{`).test(sourceText);
}

/**
 * The problems of one shell command line (empty when it checks out). In a fragment only the
 * npm and npx commands are checked: the rest (supabase, curl, …) is the fragment's reason.
 */
function checkCommand(command: string, fragment = false): string[] {
  const problems: string[] = [];
  let words = command.trim().split(/\s+/).filter(Boolean);
  if (fragment && !/^(npm|npx)$/.test(words.find((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w)) ?? ''))
    return problems;
  while (words[0] && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const name = words[0].split('=')[0]!;
    if (!sourceText.includes(name)) problems.push(`environment variable ${name} is read nowhere`);
    words = words.slice(1);
  }
  const [cmd, sub, ...rest] = words;
  if (!cmd || cmd.startsWith('#')) return problems;
  const args = words.slice(2);
  const flagsOf = (list: string[]) =>
    list.filter((w) => /^--[a-z]/.test(w)).map((w) => w.split('=')[0]!);
  if (cmd === 'npm') {
    if (sub === 'start' || sub === 'test' || sub === 'run') {
      const script = sub === 'run' ? (rest[0] ?? '') : sub;
      if (!rootScripts.includes(script)) problems.push(`npm run ${script}: no such root script`);
      for (const flag of flagsOf(args.slice(args.indexOf('--') + 1)))
        if (!parsed(flag)) problems.push(`npm ${sub} flag ${flag} is parsed nowhere`);
    } else if (!['ci', 'install', 'i', 'pack', 'exec'].includes(sub ?? '')) {
      problems.push(`npm ${sub}: not a command the docs check knows`);
    }
  } else if (cmd === 'npx') {
    if (!bins.has(sub ?? '') && !existsSync(join(root, 'node_modules/.bin', sub ?? '')))
      problems.push(`npx ${sub}: no package here has that bin`);
    for (const flag of flagsOf(args))
      if (!parsed(flag)) problems.push(`npx ${sub} flag ${flag} is parsed nowhere`);
  } else if (cmd === 'cd' || cmd === 'git') {
    // moving around a checkout
  } else {
    problems.push(`"${cmd}" is not checked: run it in a test, or mark the block \`fragment\``);
  }
  return problems;
}

describe('the docs agree with the code', () => {
  it('reads the pages', () => {
    expect(pages).toContain('README.md');
    expect(pages.filter((p) => p.endsWith('README.md')).length).toBeGreaterThanOrEqual(8);
  });

  it('every ts/js code block is a file a test runs, or says it is a fragment', () => {
    const problems: string[] = [];
    for (const b of allBlocks.filter((b) => CODE.has(b.lang))) {
      if (b.flags.includes('fragment')) continue;
      const file = b.flags.find((f) => f.startsWith('file='))?.slice(5);
      if (!file) {
        problems.push(`${where(b)}: a ${b.lang} block with neither file=PATH nor fragment`);
        continue;
      }
      if (!existsSync(join(root, file))) {
        problems.push(`${where(b)}: file=${file} does not exist`);
        continue;
      }
      if (!normalise(read(file)).includes(normalise(b.body)))
        problems.push(`${where(b)}: the block is not the text of ${file}`);
      if (!testText.includes(file)) problems.push(`${where(b)}: no test runs ${file}`);
    }
    expect(problems).toEqual([]);
  });

  it('every shell block names scripts, bins, flags and variables that exist, or is a fragment', () => {
    const problems: string[] = [];
    // `run` blocks are run as written (readmeShell.test.ts); fragments get their npm lines checked.
    for (const b of allBlocks.filter((b) => SHELL.has(b.lang) && !b.flags.includes('run'))) {
      const commands = b.body
        .replace(/\\\n/g, ' ')
        .split('\n')
        .flatMap((line) =>
          line
            .replace(/^\$\s+/, '')
            .replace(/(^|\s)#.*$/, '')
            .split(/&&|;|\|\|/),
        );
      for (const command of commands)
        for (const problem of checkCommand(command, b.flags.includes('fragment')))
          problems.push(`${where(b)}: ${problem}`);
    }
    expect(problems).toEqual([]);
  });

  it('every shell block is run as written by a test (`run`), or is a fragment that says why', () => {
    const problems: string[] = [];
    for (const b of allBlocks.filter((b) => SHELL.has(b.lang))) {
      const [first, ...reason] = b.flags;
      if (first === 'run' && reason.length === 0) continue;
      if (first === 'fragment' && reason.join(' ').length >= 10) continue;
      problems.push(
        `${where(b)}: \`${b.lang} run\`, or \`${b.lang} fragment <why it cannot run>\``,
      );
    }
    expect(problems).toEqual([]);
  });

  it('every flag, variable and code written in backticks exists in the code', () => {
    const codes = new Set(Object.keys(ERROR_CODES));
    const problems: string[] = [];
    for (const page of pages) {
      const text = read(page).replace(/```[\s\S]*?```/g, '');
      for (const [, token] of text.matchAll(/`([^`\n]+)`/g)) {
        const flag = /^(--[a-z][a-z0-9-]*)/.exec(token!)?.[1];
        if (flag && !parsed(flag)) problems.push(`${page}: flag ${flag}`);
        const name = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]{4,}$/.exec(token!)?.[0];
        if (name && !codes.has(name) && !sourceText.includes(name) && !testText.includes(name))
          problems.push(`${page}: ${name} is neither an error code nor a name in the code`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every error code of ERROR_CODES, with its retryable flag, is in docs/errors.md', () => {
    const doc = read('docs/errors.md');
    expect(doc).toContain('`retryable`');
    // A code only the browser client raises has no HTTP status: `—` (never an answer).
    for (const [code, { status, retryable }] of Object.entries(ERROR_CODES))
      expect(doc).toMatch(
        new RegExp(
          `\\| \`${code}\` +\\| ${clientOnly(code) ? '—' : status} +\\| ${retryable ? 'yes' : 'no'} +\\|`,
        ),
      );
    expect(Object.keys(ERROR_CODES).filter(clientOnly)).toContain('CLIENT_BUSY');
  });

  it('every message docs/errors.md gives TIMEOUT is one the code writes', () => {
    const section = read('docs/errors.md').split('**`TIMEOUT`, three limits.**')[1]!;
    const table = section.slice(0, section.indexOf('\n\n', section.indexOf('|')));
    const messages = [...table.matchAll(/\| `([^`]*…[^`]*)`/g)].map((m) => m[1]!);
    expect(messages.length).toBe(3);
    for (const message of messages)
      for (const part of message.replace(/^TIMEOUT: /, '').split('…'))
        expect({ message, part, written: sourceText.includes(part.trim()) }).toMatchObject({
          written: true,
        });
  });

  it('every SQL clause written in backticks is in the SQL, or the page says it is not', () => {
    const sql = tracked
      .filter((f) => /^packages\/[^/]+\/(sql|migrations|supabase)\/.*\.sql$/.test(f))
      .map(read)
      .join('\n');
    const problems: string[] = [];
    for (const page of pages) {
      const text = read(page).replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/(\S+\s+)?`((?:FOR|SKIP|NOWAIT)\b[A-Z ]*)`/g))
        if (!/\bno\s+$/i.test(m[1] ?? '') && !sql.includes(m[2]!))
          problems.push(`${page}: \`${m[2]}\` is in no SQL file`);
    }
    expect(problems).toEqual([]);
  });

  it('sends the reader to no file outside this repository', () => {
    const outside = /\b(DESIGN|TOOLS)\.md\b|\bshared\//;
    const offenders = tracked.filter(
      (f) =>
        /\.(md|ts|tsx|mjs|js|json|sql|toml)$/.test(f) &&
        f !== 'scripts/__tests__/docs.test.ts' &&
        outside.test(read(f)),
    );
    expect(offenders).toEqual([]);
  });

  it('links between pages point at files that exist', () => {
    const problems: string[] = [];
    for (const page of pages) {
      const dir = page.includes('/') ? page.slice(0, page.lastIndexOf('/')) : '.';
      for (const [, target] of read(page).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        if (!existsSync(join(root, dir, target!))) problems.push(`${page}: ${target}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('the package READMEs list what the packages ship', () => {
  it('every SQL migration of @jobgate/postgres is in its README', () => {
    const readme = read('packages/postgres/README.md');
    const migrations = tracked.filter((f) =>
      /^packages\/postgres\/migrations\/\d+_.*\.sql$/.test(f),
    );
    expect(migrations.length).toBeGreaterThan(0);
    for (const file of migrations) expect(readme).toContain(`\`${file.split('/').pop()}\``);
  });
});
