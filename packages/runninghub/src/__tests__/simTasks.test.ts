import { describe, expect, it } from 'vitest';
import { SimFaults } from '../simFaults.js';
import { SimRuntime } from '../simRuntime.js';
import type { SimTask } from '../simTask.js';
import { type SimTaskRequest, SimTasks } from '../simTasks.js';

const request = (apiKey = 'k'): SimTaskRequest => ({
  apiKey,
  webappId: '1',
  workflowId: null,
  nodeInfoList: [],
  webhookUrl: null,
  instanceType: null,
});

function board(options: ConstructorParameters<typeof SimTasks>[2] = {}) {
  const runtime = new SimRuntime(1);
  const faults = new SimFaults(runtime, options.rates, undefined);
  const ended: SimTask[] = [];
  const tasks = new SimTasks(runtime, faults, options, (task) => ended.push(task));
  return { runtime, faults, tasks, ended };
}

describe('SimTasks: the account task model', () => {
  it('counts active tasks per key against the concurrency limit, and remembers the peak', () => {
    const { tasks } = board({ manual: true, concurrency: 2 });
    const a = tasks.start(request('k'));
    const b = tasks.start(request('k'));
    expect([a?.status, b?.status]).toEqual(['RUNNING', 'RUNNING']);
    expect(tasks.start(request('k'))).toBeNull();
    // The limit is per key: another key of the account still has room.
    expect(tasks.start(request('other'))).not.toBeNull();
    expect([tasks.active('k'), tasks.active(), tasks.maxActive]).toEqual([2, 3, 3]);
    tasks.end(a!, 'SUCCESS');
    expect(tasks.start(request('k'))).not.toBeNull();
  });

  it('gives each task a RunningHub-like id, and hides a task from another key', () => {
    const { tasks } = board({ manual: true });
    const task = tasks.start(request('k'))!;
    expect(task.taskId).toBe('1900000000000000001');
    expect(tasks.own('k', task.taskId)).toBe(task);
    expect(tasks.own('k', Number(task.taskId))).toBeNull(); // beyond a safe integer
    expect(tasks.own('other', task.taskId)).toBeNull();
    expect(tasks.own('k', undefined)).toBeNull();
  });

  it('ends a task once: SUCCESS or FAILED, heard by onEnd; a later end or cancel changes nothing', () => {
    const { tasks, ended } = board({ manual: true });
    const task = tasks.start(request())!;
    tasks.end(task, 'FAILED');
    expect(task).toMatchObject({ status: 'FAILED', cancelled: false });
    expect(task.endedAt).not.toBeNull();
    tasks.end(task, 'SUCCESS');
    tasks.cancel(task);
    expect(task).toMatchObject({ status: 'FAILED', cancelled: false });
    expect(ended).toEqual([task]);
  });

  it('a cancel ends an active task FAILED without a callback', () => {
    const { tasks, ended } = board({ manual: true });
    const task = tasks.start(request())!;
    tasks.cancel(task);
    expect(task).toMatchObject({ status: 'FAILED', cancelled: true });
    expect(tasks.active()).toBe(0);
    expect(ended).toEqual([]);
  });

  it('stays RUNNING until its output file exists; a throwing output fails the task', async () => {
    let release: () => void = () => {};
    const made = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { tasks, runtime } = board({
      manual: true,
      output: async (task) => {
        if (task.webappId === '2') throw new Error('no output');
        await made;
        return { data: new Uint8Array([1]), contentType: 'image/png', ext: 'png' };
      },
    });
    const task = tasks.start(request())!;
    tasks.end(task, 'SUCCESS');
    expect(task.status).toBe('RUNNING');
    release();
    await runtime.settled();
    expect(task.status).toBe('SUCCESS');
    expect(task.outputFile?.ext).toBe('png');
    const broken = tasks.start({ ...request(), webappId: '2' })!;
    tasks.end(broken, 'SUCCESS');
    await runtime.settled();
    expect(broken.status).toBe('FAILED');
  });

  it('runs a task on its own timers (QUEUED, RUNNING, then its seeded outcome)', async () => {
    const { tasks, ended } = board({ queueMs: [30, 30], durationMs: [10, 10] });
    const task = tasks.start(request())!;
    expect(task.status).toBe('QUEUED');
    await new Promise((r) => setTimeout(r, 35));
    expect(task.status).toBe('RUNNING');
    await new Promise((r) => setTimeout(r, 30));
    expect(task.status).toBe('SUCCESS');
    expect(ended).toEqual([task]);
  });

  it('after close, no timer fires and no task changes state', async () => {
    const { tasks, runtime } = board({ durationMs: [10, 10] });
    const task = tasks.start(request())!;
    await runtime.close();
    await new Promise((r) => setTimeout(r, 30));
    expect(task.status).toBe('RUNNING');
  });
});
