import {
  JobGateError,
  type Provider,
  type ProviderFile,
  type ProviderStartContext,
  type ProviderStatus,
  type ProviderUpdate,
} from '@jobgate/core';

export type StartAnswer = 'accept' | 'busy' | 'reject' | 'transient' | 'fatal';

/** A provider whose answers a test decides, one start at a time. Default answer: accept. */
export class ScriptedProvider implements Provider {
  readonly id = 'scripted';
  readonly answers: StartAnswer[] = [];
  readonly started: { jobId: string; taskId: string }[] = [];
  readonly cancelled: string[] = [];
  readonly statuses = new Map<string, ProviderStatus>();
  #next = 1;

  /** The next start calls answer these, in order. */
  script(...answers: StartAnswer[]): void {
    this.answers.push(...answers);
  }

  async start(context: ProviderStartContext): Promise<{ taskId: string }> {
    const answer = this.answers.shift() ?? 'accept';
    switch (answer) {
      case 'busy':
        throw new JobGateError('PROVIDER_BUSY', 'scripted: account full', { providerCode: 421 });
      case 'reject':
        throw new JobGateError('PROVIDER_REJECTED', 'scripted: bad input', { providerCode: 433 });
      case 'transient':
        throw new JobGateError('PROVIDER_ERROR', 'scripted: 503', { providerCode: 503 });
      case 'fatal':
        throw new JobGateError('PROVIDER_CONFIG', 'scripted: bad api key', { providerCode: 801 });
      default: {
        const taskId = `task-${this.#next++}`;
        this.started.push({ jobId: context.job.id, taskId });
        this.statuses.set(taskId, { state: 'running' });
        return { taskId };
      }
    }
  }

  async status(taskId: string): Promise<ProviderStatus> {
    return this.statuses.get(taskId) ?? { state: 'unknown' };
  }

  async cancel(taskId: string): Promise<void> {
    this.cancelled.push(taskId);
    this.statuses.set(taskId, { state: 'cancelled' });
  }

  async upload(file: ProviderFile): Promise<string> {
    return `scripted/${file.name}`;
  }

  async parseWebhook(request: Request): Promise<ProviderUpdate> {
    const body = (await request.json().catch(() => null)) as ProviderUpdate | null;
    if (!body || typeof body.taskId !== 'string')
      throw new JobGateError('VALIDATION', 'malformed webhook');
    return body;
  }
}
