import { SAMPLE_PNG } from '@jobgate/example-tools';
import { afterEach, describe, expect, it } from 'vitest';
import { RUNNINGHUB_PATHS } from '../runningHubPaths.js';
import { type RunningHubSimulator, startRunningHubSimulator } from '../runningHubSimulator.js';
import { SIM_FILE_FIELDS } from '../simFileNodes.js';
import { simHttp } from './simHttp.js';

let sim: RunningHubSimulator | undefined;
afterEach(() => sim?.close());

const { post, upload, run } = simHttp(() => sim!.url);

/** ComfyUI's node errors in a 433 answer. */
function nodeErrors(answer: {
  data: unknown;
}): Record<string, { class_type: string; errors: { details: string }[] }> {
  const tips = (answer.data as { promptTips: string }).promptTips;
  return JSON.parse(tips).node_errors;
}

describe('the simulator’s uploads and the file fields of a start', () => {
  it('refuses (433 VALIDATE_PROMPT_FAILED) a file field that names no upload of this key, and starts nothing', async () => {
    sim = await startRunningHubSimulator({ manual: true, apiKeys: ['sim-key', 'other-key'] });
    const mine = await upload('in.png', SAMPLE_PNG);
    const theirs = await upload('in.png', SAMPLE_PNG, 'image', 'other-key');
    for (const value of [
      'veste-ai/u/j/person.png',
      'https://storage.example/person.png',
      theirs,
      `${mine}x`,
    ]) {
      const answer = await run(value);
      expect(answer).toMatchObject({ code: 433, msg: 'VALIDATE_PROMPT_FAILED' });
      expect(nodeErrors(answer)).toEqual({
        1: expect.objectContaining({
          class_type: 'LoadImage',
          errors: [expect.objectContaining({ details: `image - Invalid image file: ${value}` })],
        }),
      });
    }
    expect(sim.tasks.size).toBe(0);
    // A value that is not even a string is refused the same way; a non-file field is not checked.
    const video = await post(RUNNINGHUB_PATHS.runAiApp, {
      webappId: '1',
      nodeInfoList: [{ nodeId: '3', fieldName: 'video', fieldValue: 42 }],
    });
    expect(video.code).toBe(433);
    expect(nodeErrors(video)['3']?.class_type).toBe('LoadVideo');
    expect((await run(mine)).code).toBe(0);
    expect(sim.tasks.size).toBe(1);
  });

  it('checks every file field it knows (image, video, audio), on workflows too', async () => {
    sim = await startRunningHubSimulator({ manual: true });
    expect(Object.keys(SIM_FILE_FIELDS)).toEqual(['image', 'video', 'audio']);
    const answer = await post(RUNNINGHUB_PATHS.createWorkflow, {
      workflowId: '7',
      nodeInfoList: [{ nodeId: '8', fieldName: 'audio', fieldValue: 'voice.mp3' }],
    });
    expect(answer.code).toBe(433);
    expect(nodeErrors(answer)['8']?.errors[0]?.details).toBe(
      'audio - Invalid audio file: voice.mp3',
    );
  });

  it('keeps the uploaded bytes up to uploadCapBytes in total, forgetting the oldest first', async () => {
    sim = await startRunningHubSimulator({ manual: true, uploadCapBytes: 100 });
    const bytes = (n: number) => new Uint8Array(40).fill(n);
    const a = await upload('a.bin', bytes(1));
    const b = await upload('b.bin', bytes(2));
    expect([...sim.uploads.keys()]).toEqual([a, b]);
    const c = await upload('c.bin', bytes(3));
    // 120 bytes would be over the cap: the oldest went.
    expect([...sim.uploads.keys()]).toEqual([b, c]);
    expect(sim.uploads.get(c)).toMatchObject({ size: 40, contentType: 'application/octet-stream' });
    expect([...sim.uploads.get(c)!.bytes]).toEqual([...bytes(3)]);
    // A start naming a forgotten upload is refused like any unknown file.
    expect((await run(a)).code).toBe(433);
    expect((await run(b)).code).toBe(0);
    // One file larger than the whole cap is still kept (alone).
    const big = await upload('big.bin', new Uint8Array(150).fill(9));
    expect([...sim.uploads.keys()]).toEqual([big]);
  });
});
