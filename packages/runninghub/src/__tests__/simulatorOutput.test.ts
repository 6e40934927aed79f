import { afterEach, describe, expect, it } from 'vitest';
import { RUNNINGHUB_PATHS } from '../runningHubPaths.js';
import { type RunningHubSimulator, startRunningHubSimulator } from '../runningHubSimulator.js';

let sim: RunningHubSimulator | undefined;
afterEach(() => sim?.close());

const post = async (path: string, body: Record<string, unknown>) =>
  (await (
    await fetch(`${sim!.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: 'sim-key', ...body }),
    })
  ).json()) as { code: number; data: unknown };

const run = (fieldValue: string) =>
  post(RUNNINGHUB_PATHS.runAiApp, {
    webappId: '1',
    nodeInfoList: [{ nodeId: '1', fieldName: 'image', fieldValue }],
  });

describe('the simulated RunningHub', () => {
  it('serves the file `output` made for a task, with its type, once the task succeeded', async () => {
    const seen: string[] = [];
    sim = await startRunningHubSimulator({
      durationMs: (task) =>
        task.nodeInfoList[0]?.fieldValue === 'slow.png' ? [5_000, 5_000] : [20, 20],
      output: (task) => {
        seen.push(String(task.nodeInfoList[0]?.fieldValue));
        return {
          data: new TextEncoder().encode(`<svg>${task.taskId}</svg>`),
          contentType: 'image/svg+xml',
          ext: 'svg',
        };
      },
    });
    const started = (await run('in.png')).data as { taskId: string };
    const slow = (await run('slow.png')).data as { taskId: string };
    await expect
      .poll(async () => (await post(RUNNINGHUB_PATHS.status, { taskId: started.taskId })).data)
      .toBe('SUCCESS');
    const outputs = await post(RUNNINGHUB_PATHS.outputs, { taskId: started.taskId });
    const [file] = outputs.data as Array<{ fileUrl: string; fileType: string }>;
    expect(file!.fileType).toBe('svg');
    const response = await fetch(file!.fileUrl);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(await response.text()).toBe(`<svg>${started.taskId}</svg>`);
    // The slow task is still running: no file made yet.
    expect((await post(RUNNINGHUB_PATHS.status, { taskId: slow.taskId })).data).toBe('RUNNING');
    expect(seen).toEqual(['in.png']);
  });

  it('changes its fault rates while it runs (setRates)', async () => {
    sim = await startRunningHubSimulator({ durationMs: [5_000, 5_000] });
    expect((await run('a.png')).code).toBe(0);
    sim.setRates({ busy: 1 });
    expect((await run('b.png')).code).toBe(421);
    sim.setRates({});
    expect((await run('c.png')).code).toBe(0);
  });

  it('fails a task whose output cannot be made', async () => {
    sim = await startRunningHubSimulator({
      durationMs: [10, 10],
      output: () => {
        throw new Error('no input file');
      },
    });
    const { taskId } = (await run('gone.png')).data as { taskId: string };
    await expect
      .poll(async () => (await post(RUNNINGHUB_PATHS.status, { taskId })).data)
      .toBe('FAILED');
  });
});
