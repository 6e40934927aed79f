import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sampleInputs, tools } from '@jobgate/example-tools';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunningHubProvider } from '../runningHubProvider.js';
import { HELP, SIM_OPTIONS } from '../simCli.js';
import { jobFor, rejectionOf } from './helpers.js';
import { uploadedInput } from './providerHarness.js';

// The package's bin, as npx runs it: in this checkout it runs the TypeScript source.
const bin = fileURLToPath(new URL('../../bin/jobgate-runninghub-sim.js', import.meta.url));

let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  child = undefined;
});

function startCli(args: string[]): Promise<string> {
  child = spawn(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${out} ${err}`)), 15_000);
    child!.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child!.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child!.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}: ${err}`));
    });
  });
}

describe('npx jobgate-runninghub-sim', () => {
  it('serves the API with the given key and account limit, and stops on SIGTERM', async () => {
    const url = await startCli([
      '--port',
      '0',
      '--seed',
      '4',
      '--concurrency',
      '1',
      '--api-key',
      'cli-key',
    ]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const provider = createRunningHubProvider({ apiKey: 'cli-key', baseUrl: url });
    const tool = tools.find((t) => t.id === 'veste-ai')!;
    const input = await uploadedInput(provider, tool, sampleInputs['veste-ai']);
    const ctx = () => ({
      job: jobFor(tool, input),
      tool,
      signal: AbortSignal.timeout(5_000),
      webhookUrl: undefined,
    });
    const { taskId } = await provider.start(ctx());
    expect(await provider.status(taskId)).toEqual({ state: 'running' });
    expect(await rejectionOf(provider.start(ctx()))).toMatchObject({ providerCode: 421 });
    const wrongKey = createRunningHubProvider({ apiKey: 'other', baseUrl: url });
    expect(await rejectionOf(wrongKey.accountStatus())).toMatchObject({ providerCode: 801 });

    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a bad rate', async () => {
    await expect(startCli(['--fail-rate', '2'])).rejects.toThrow(/a rate is a number in 0..1/);
  });

  it('--help prints the help, which lists exactly the flags it accepts', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--help']);
    expect(stdout).toBe(HELP);
    const listed = [...HELP.matchAll(/(?:^|[\s,])(--?[a-z][a-z-]*)/gm)].map((m) => m[1]);
    const accepted = Object.entries(SIM_OPTIONS).flatMap(([name, o]) =>
      'short' in o ? [`--${name}`, `-${o.short}`] : [`--${name}`],
    );
    expect(listed.sort()).toEqual(accepted.sort());
  });

  it('answers an unknown flag with the help and exit code 2, not a stack trace', async () => {
    const failure = await promisify(execFile)(process.execPath, [bin, '--nope']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure).toMatchObject({ code: 2 });
    const { stderr } = failure as { stderr: string };
    expect(stderr).toContain("Unknown option '--nope'");
    expect(stderr).toContain(HELP);
    expect(stderr).not.toContain('    at ');
  });
});
