import { SAMPLE_MP4, SAMPLE_PNG } from '@jobgate/example-tools';
import { afterEach, describe, expect, it } from 'vitest';
import { RUNNINGHUB_PATHS } from '../runningHubPaths.js';
import { type RunningHubSimulator, startRunningHubSimulator } from '../runningHubSimulator.js';
import type { SimInput } from '../simFileNodes.js';
import { simHttp } from './simHttp.js';

let sim: RunningHubSimulator | undefined;
afterEach(() => sim?.close());

const { post, upload, run, outputUrl } = simHttp(() => sim!.url);

describe('the simulated RunningHub', () => {
  it('serves the file `output` made for a task from its uploads, with its type, once the task succeeded', async () => {
    const seen: SimInput[][] = [];
    sim = await startRunningHubSimulator({
      durationMs: (task) => (task.nodeInfoList.length === 2 ? [5_000, 5_000] : [20, 20]),
      output: (task, inputs) => {
        seen.push([...inputs]);
        return {
          data: new TextEncoder().encode(`<svg>${task.taskId} ${inputs.length} inputs</svg>`),
          contentType: 'image/svg+xml',
          ext: 'svg',
        };
      },
    });
    const image = await upload('in.png', SAMPLE_PNG);
    const video = await upload('clip.mp4', SAMPLE_MP4, 'video');
    const started = (await run(image, video)).data as { taskId: string };
    const slow = (
      await post(RUNNINGHUB_PATHS.runAiApp, {
        webappId: '1',
        nodeInfoList: [
          { nodeId: '1', fieldName: 'image', fieldValue: image },
          { nodeId: '5', fieldName: 'value', fieldValue: 1 },
        ],
      })
    ).data as { taskId: string };
    await expect
      .poll(async () => (await post(RUNNINGHUB_PATHS.status, { taskId: started.taskId })).data)
      .toBe('SUCCESS');
    const file = await outputUrl(started.taskId);
    expect(file.fileType).toBe('svg');
    const response = await fetch(file.fileUrl);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(await response.text()).toBe(`<svg>${started.taskId} 2 inputs</svg>`);
    // `output` got the task's uploads, in node order, with their bytes and their real type.
    expect(seen).toHaveLength(1);
    const [png, mp4] = seen[0]!;
    expect(png).toMatchObject({
      nodeId: '1',
      fieldName: 'image',
      fileName: image,
      name: 'in.png',
      contentType: 'image/png',
      size: SAMPLE_PNG.byteLength,
    });
    expect([...png!.bytes]).toEqual([...SAMPLE_PNG]);
    expect(mp4).toMatchObject({ nodeId: '2', fileName: video, contentType: 'video/mp4' });
    expect([...mp4!.bytes]).toEqual([...SAMPLE_MP4]);
    // The slow task is still running: no file made yet.
    expect((await post(RUNNINGHUB_PATHS.status, { taskId: slow.taskId })).data).toBe('RUNNING');
  });

  it('without `output`, a task makes a real 1×1 PNG (an MP4 for a video task)', async () => {
    sim = await startRunningHubSimulator({ durationMs: [10, 10] });
    const image = await upload('in.png', SAMPLE_PNG);
    const video = await upload('clip.mp4', SAMPLE_MP4, 'video');
    const still = (await run(image)).data as { taskId: string };
    const moving = (await run(image, video)).data as { taskId: string };
    await expect
      .poll(async () => (await post(RUNNINGHUB_PATHS.status, { taskId: moving.taskId })).data)
      .toBe('SUCCESS');
    const png = await fetch((await outputUrl(still.taskId)).fileUrl);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect([...new Uint8Array(await png.arrayBuffer()).subarray(0, 4)]).toEqual([
      0x89, 0x50, 0x4e, 0x47,
    ]);
    const mp4 = await outputUrl(moving.taskId);
    expect(mp4.fileType).toBe('mp4');
    expect((await fetch(mp4.fileUrl)).headers.get('content-type')).toBe('video/mp4');
  });

  it('serves a result only at its URL with the task’s token: a guessed or borrowed URL is 404', async () => {
    sim = await startRunningHubSimulator({ manual: true });
    const image = await upload('in.png', SAMPLE_PNG);
    const first = ((await run(image)).data as { taskId: string }).taskId;
    const second = ((await run(image)).data as { taskId: string }).taskId;
    const running = sim.tasks.get(second)!;
    // Not finished yet: even the right URL names nothing.
    const early = await fetch(`${sim.url}/outputs/${second}/${running.outputToken}/0.png`);
    expect(early.status).toBe(404);
    await sim.finish(first);
    await sim.finish(second);
    const { fileUrl } = await outputUrl(first);
    const token = sim.tasks.get(first)!.outputToken;
    expect(fileUrl).toBe(`${sim.url}/outputs/${first}/${token}/0.png`);
    expect(token).not.toBe(running.outputToken);
    const statuses = async (...urls: string[]) =>
      Promise.all(urls.map(async (u) => (await fetch(u)).status));
    expect(
      await statuses(
        fileUrl,
        `${sim.url}/outputs/${first}/0.png`,
        `${sim.url}/outputs/${first}/${running.outputToken}/0.png`,
        `${sim.url}/outputs/${first}/${token.slice(1)}/0.png`,
        `${sim.url}/outputs/${first}/${token}/1.png`,
        `${sim.url}/outputs/${first}/${token}/0.png/x`,
      ),
    ).toEqual([200, 404, 404, 404, 404, 404]);
    expect(sim.downloads.map((d) => [d.taskId, d.status])).toEqual([
      [second, 404],
      [first, 200],
      ...Array.from({ length: 5 }, () => [first, 404]),
    ]);
  });

  it('changes its fault rates while it runs (setRates)', async () => {
    sim = await startRunningHubSimulator({ durationMs: [5_000, 5_000] });
    const image = await upload('a.png', SAMPLE_PNG);
    expect((await run(image)).code).toBe(0);
    sim.setRates({ busy: 1 });
    expect((await run(image)).code).toBe(421);
    sim.setRates({});
    expect((await run(image)).code).toBe(0);
  });

  it('fails a task whose output cannot be made (an `output` of one argument still fits)', async () => {
    sim = await startRunningHubSimulator({
      durationMs: [10, 10],
      output: (task) => {
        throw new Error(`no input file for ${task.taskId}`);
      },
    });
    const { taskId } = (await run(await upload('gone.png', SAMPLE_PNG))).data as {
      taskId: string;
    };
    await expect
      .poll(async () => (await post(RUNNINGHUB_PATHS.status, { taskId })).data)
      .toBe('FAILED');
  });
});
