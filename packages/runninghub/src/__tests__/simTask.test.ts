import { describe, expect, it } from 'vitest';
import { statusFromOutputs } from '../runningHubOutputs.js';
import { type SimTask, simTaskEnvelope } from '../simTask.js';

const task = (over: Partial<SimTask> = {}): SimTask => ({
  taskId: '1900000000000000001',
  apiKey: 'k',
  webappId: '1',
  workflowId: null,
  nodeInfoList: [{ nodeId: '1', fieldName: 'image', fieldValue: 'a.png' }],
  webhookUrl: null,
  instanceType: null,
  status: 'RUNNING',
  cancelled: false,
  createdAt: 10_000,
  endedAt: null,
  willFail: false,
  loseWebhook: false,
  duplicateWebhook: false,
  outputToken: 'tok',
  ...over,
});

describe('simTaskEnvelope: what outputs answers, as the provider reads it', () => {
  it('QUEUED and RUNNING answer 813 and 804, read as pending and running', () => {
    const queued = simTaskEnvelope(task({ status: 'QUEUED' }), 'http://sim');
    const running = simTaskEnvelope(task(), 'http://sim');
    expect(queued).toEqual({ code: 813, msg: 'APIKEY_TASK_IS_QUEUED', data: null });
    expect(running).toEqual({ code: 804, msg: 'APIKEY_TASK_IS_RUNNING', data: null });
    expect(statusFromOutputs(queued)).toEqual({ state: 'pending' });
    expect(statusFromOutputs(running)).toEqual({ state: 'running' });
  });

  it('SUCCESS lists the file under the base URL, with its run time as the cost', () => {
    const envelope = simTaskEnvelope(task({ status: 'SUCCESS', endedAt: 13_400 }), 'http://sim');
    expect(statusFromOutputs(envelope)).toEqual({
      state: 'completed',
      progress: 1,
      output: {
        files: ['http://sim/outputs/1900000000000000001/tok/0.png'],
        outputs: [
          {
            url: 'http://sim/outputs/1900000000000000001/tok/0.png',
            fileType: 'png',
            nodeId: '9',
            costTimeSec: 3,
          },
        ],
      },
      cost: { cost: 3, unit: 'seconds' },
    });
    const video = task({
      status: 'SUCCESS',
      endedAt: 10_000,
      nodeInfoList: [{ nodeId: '3', fieldName: 'video', fieldValue: 'v.mp4' }],
    });
    expect(simTaskEnvelope(video, 'http://sim').data).toEqual([
      expect.objectContaining({ fileType: 'mp4', nodeId: '12' }),
    ]);
    const made = task({
      status: 'SUCCESS',
      endedAt: 10_000,
      outputFile: { data: new Uint8Array(), contentType: 'image/svg+xml', ext: 'svg' },
    });
    expect(simTaskEnvelope(made, 'http://sim').data).toEqual([
      expect.objectContaining({ fileType: 'svg' }),
    ]);
  });

  it('FAILED gives ComfyUI failure of the workflow, or the cancel', () => {
    expect(statusFromOutputs(simTaskEnvelope(task({ status: 'FAILED' }), 'http://sim'))).toEqual({
      state: 'failed',
      error: { code: '805', message: 'the simulated workflow failed (node KSampler)' },
    });
    const cancelled = task({ status: 'FAILED', cancelled: true });
    expect(statusFromOutputs(simTaskEnvelope(cancelled, 'http://sim'))).toEqual({
      state: 'failed',
      error: { code: '805', message: 'the task was cancelled (node RunningHub)' },
    });
  });
});
