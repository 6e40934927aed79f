import { type AnyTool, defineTool } from '@jobgate/core';
import { sampleInputs, tools, upscaler, upscalerInput } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRunningHubProvider } from '../runningHubProvider.js';
import { startRunningHubSimulator } from '../runningHubSimulator.js';
import { rejectionOf } from './helpers.js';
import { KEY, startCtx, uploadedInput, vesteAi } from './providerHarness.js';

describe('the simulator checks apps, nodes and keys like RunningHub', () => {
  /** The node fields of each AI app (examples/tools/README.md). */
  const apps = {
    '2015865378030755841': ['26:image', '25:value', '73:value', '91:value', '128:text'],
    '2017030861371219969': ['26:image', '25:value', '75:value', '128:text'],
    '2017343414227963905': ['1:image', '7:value'],
    '2018913880214343681': ['139:image'],
    '2015855359243587585': ['50:image', '48:value'],
    '2019239272464785409': ['39:image', '33:value'],
    '2019234965992509442': ['301:image', '300:value'],
    '2018451429635133442': ['27:image', '60:image'],
    '2018755100210106369': ['41:image', '43:image'],
    '2018810750139109378': ['3:video'],
  };

  it('the four example tools (every upscaler variant) map onto the apps RunningHub knows', async () => {
    const strict = await startRunningHubSimulator({
      apiKeys: [KEY],
      manual: true,
      concurrency: 100,
      apps,
      badKeyCode: 802,
    });
    try {
      const p = createRunningHubProvider({ apiKey: KEY, baseUrl: strict.url });
      // Every start names uploads of this key, as the runner's starts do.
      const { image: x } = await uploadedInput(p, upscaler, { image: '' });
      const inputs: [AnyTool, Record<string, unknown>][] = [
        ...(await Promise.all(
          tools.map(
            async (t): Promise<[AnyTool, Record<string, unknown>]> => [
              t,
              await uploadedInput(p, t, sampleInputs[t.id as keyof typeof sampleInputs]),
            ],
          ),
        )),
        ...(['fotoAntiga', 'comida', 'logo', 'render3d'] as const).flatMap((category) =>
          (['standard', 'pro'] as const).map((version): [AnyTool, Record<string, unknown>] => [
            upscaler,
            upscalerInput.parse({ image: x as string, category, version, detail: 0.9 }),
          ]),
        ),
        [upscaler, upscalerInput.parse({ image: x as string, framingMode: 'longe' })],
        [
          upscaler,
          upscalerInput.parse({
            image: x as string,
            version: 'standard',
            prompt: 'sharp',
            detailDenoise: 0.2,
          }),
        ],
        [upscaler, upscalerInput.parse({ image: x as string, version: 'pro', editingLevel: 0.5 })],
      ];
      for (const [tool, input] of inputs) {
        const { taskId } = await p.start(startCtx(tool, input));
        expect(strict.tasks.get(taskId)?.status).toBe('RUNNING');
      }
      const wrongKey = createRunningHubProvider({ apiKey: 'x', baseUrl: strict.url });
      expect(await rejectionOf(wrongKey.status('1'))).toMatchObject({
        code: 'PROVIDER_CONFIG',
        providerCode: 802,
      });
    } finally {
      await strict.close();
    }
  });

  it('an unknown app answers 901 and a node the app does not have answers 803', async () => {
    const strict = await startRunningHubSimulator({ apiKeys: [KEY], manual: true, apps });
    try {
      const p = createRunningHubProvider({ apiKey: KEY, baseUrl: strict.url });
      const tool = (target: object) =>
        defineTool({
          id: 'probe',
          input: z.object({}),
          creditCost: 0,
          maxRunMs: 1_000,
          provider: { target: () => target },
        });
      const unknownApp = tool({ webappId: '1', nodeInfoList: [] });
      expect(await rejectionOf(p.start(startCtx(unknownApp, {})))).toMatchObject({
        code: 'PROVIDER_REJECTED',
        providerCode: 901,
      });
      const wrongNode = tool({
        webappId: '2018755100210106369',
        nodeInfoList: [{ nodeId: '42', fieldName: 'image', fieldValue: 'a.png' }],
      });
      const error = await rejectionOf(p.start(startCtx(wrongNode, {})));
      expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', providerCode: 803 });
      expect(error.message).toMatch(/APIKEY_INVALID_NODE_INFO/);
    } finally {
      await strict.close();
    }
  });
});

describe('the simulator is deterministic from its seed', () => {
  it('answers the same sequence for the same seed and calls', async () => {
    const run = async (seed: number) => {
      const s = await startRunningHubSimulator({
        seed,
        apiKeys: [KEY],
        manual: true,
        concurrency: 100,
      });
      try {
        const p = createRunningHubProvider({
          apiKey: KEY,
          baseUrl: s.url,
          retry: { attempts: 1, startAttempts: 1 },
        });
        const answers: string[] = [];
        // The files first, without faults (an upload answered 503 would end the run here).
        const input = await uploadedInput(p, vesteAi, sampleInputs['veste-ai']);
        s.setRates({ busy: 0.3, transient: 0.2, fail: 0.5, lostWebhook: 0.5 });
        for (let i = 0; i < 12; i++) {
          answers.push(
            await p.start(startCtx(vesteAi, input)).then(
              (r) =>
                `ok:${r.taskId}:${s.tasks.get(r.taskId)?.willFail}:${s.tasks.get(r.taskId)?.loseWebhook}`,
              (e: { code: string }) => e.code,
            ),
          );
        }
        return answers;
      } finally {
        await s.close();
      }
    };
    const a = await run(11);
    expect(await run(11)).toEqual(a);
    expect(await run(12)).not.toEqual(a);
    expect(a.some((x) => x === 'PROVIDER_BUSY')).toBe(true);
    expect(a.some((x) => x.startsWith('ok:'))).toBe(true);
  });
});
