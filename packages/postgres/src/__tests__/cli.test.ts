import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI_OPTIONS, USAGE } from '../cli.js';

// The package's bin, as npx runs it: in this checkout it runs the TypeScript source.
const bin = fileURLToPath(new URL('../../bin/jobgate-postgres.js', import.meta.url));
const run = promisify(execFile);

describe('npx jobgate-postgres', () => {
  it('--help prints the usage, which lists exactly the flags it accepts', async () => {
    const { stdout } = await run(process.execPath, [bin, '--help']);
    expect(stdout).toBe(USAGE);
    const listed = [...USAGE.matchAll(/^\s+(?:(-[a-z]), )?(--[a-z][a-z-]*)/gm)].flatMap((m) =>
      m[1] ? [m[1], m[2]] : [m[2]],
    );
    const accepted = Object.entries(CLI_OPTIONS).flatMap(([name, o]) =>
      'short' in o ? [`--${name}`, `-${o.short}`] : [`--${name}`],
    );
    expect(listed.sort()).toEqual(accepted.sort());
  });

  it('answers an unknown flag with the usage and exit code 2, not a stack trace', async () => {
    const failure = await run(process.execPath, [bin, 'migrate', '--nope']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure).toMatchObject({ code: 2 });
    const { stderr } = failure as { stderr: string };
    expect(stderr).toContain("Unknown option '--nope'");
    expect(stderr).toContain(USAGE);
    expect(stderr).not.toContain('    at ');
  });
});
