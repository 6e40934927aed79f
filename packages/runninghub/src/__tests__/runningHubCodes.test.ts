import { describe, expect, it } from 'vitest';
import {
  OUTPUTS_CODE,
  RUNNINGHUB_CODES,
  type RunningHubTaskStatus,
  runningHubCodeInfo,
  TASK_STATE,
} from '../runningHubCodes.js';
import { statusFromOutputs } from '../runningHubOutputs.js';
import { codeName } from '../simAnswer.js';

describe('runningHubCodes: the task states and their outputs codes', () => {
  it('each task state has its outputs code, of the matching class', () => {
    expect(runningHubCodeInfo(OUTPUTS_CODE.QUEUED)?.class).toBe('pending');
    expect(runningHubCodeInfo(OUTPUTS_CODE.RUNNING)?.class).toBe('pending');
    expect(runningHubCodeInfo(OUTPUTS_CODE.FAILED)?.class).toBe('failed');
    expect(runningHubCodeInfo(OUTPUTS_CODE.SUCCESS)).toBeUndefined();
  });

  it('reading a state outputs code gives that state', () => {
    for (const status of ['QUEUED', 'RUNNING', 'SUCCESS', 'FAILED'] as RunningHubTaskStatus[]) {
      const envelope = { code: OUTPUTS_CODE[status], msg: '', data: [] };
      expect(statusFromOutputs(envelope).state).toBe(TASK_STATE[status]);
    }
  });

  it("the simulator's msg for a code is RunningHub's name for it", () => {
    expect(codeName(0)).toBe('success');
    expect(codeName(421)).toBe(RUNNINGHUB_CODES[421].name);
    expect(codeName(4242)).toBe('UNKNOWN_ERROR');
  });
});
