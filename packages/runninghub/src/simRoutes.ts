import type { IncomingMessage } from 'node:http';
import { RUNNINGHUB_PATHS } from './runningHubPaths.js';
import {
  answerCode,
  answerOk,
  bearerKey,
  isAccountKey,
  type SimAccount,
  type SimAnswer,
} from './simAnswer.js';
import type { SimFaults } from './simFaults.js';
import { simInputsOf } from './simFileNodes.js';
import type { SimRequestLog } from './simServer.js';
import { type SimNodeInfo, simTaskEnvelope } from './simTask.js';
import type { SimTasks } from './simTasks.js';
import type { SimUploads } from './simUploads.js';

/** The account's AI apps or workflows: id → the `nodeId:fieldName` it accepts (null: any). */
export type SimRegistry = Record<string, readonly string[] | null>;

export interface SimRoutesOptions {
  account: SimAccount;
  apps?: SimRegistry | undefined;
  workflows?: SimRegistry | undefined;
  coins?: number | undefined;
  baseUrl: () => string;
}

/**
 * RunningHub's OpenAPI as the simulator answers it: faults first, then the key, then each
 * path with the checks and codes the real service applies.
 */
export class SimRoutes {
  readonly #tasks: SimTasks;
  readonly #uploads: SimUploads;
  readonly #faults: SimFaults;
  readonly #options: SimRoutesOptions;

  constructor(tasks: SimTasks, uploads: SimUploads, faults: SimFaults, options: SimRoutesOptions) {
    this.#tasks = tasks;
    this.#uploads = uploads;
    this.#faults = faults;
    this.#options = options;
  }

  async answer(req: IncomingMessage, log: SimRequestLog, raw: Buffer): Promise<SimAnswer> {
    const path = log.path;
    const fault = this.#faults.faultFor(path);
    if (fault) return fault;
    if (path === RUNNINGHUB_PATHS.upload) return this.#uploads.handle(req, raw, log);
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8') || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return answerCode(301);
      }
      body = parsed as Record<string, unknown>;
    } catch {
      return answerCode(301);
    }
    log.body = {
      ...body,
      ...(body.apiKey ? { apiKey: '***' } : {}),
      ...(body.apikey ? { apikey: '***' } : {}),
    };
    const key = body.apiKey ?? body.apikey ?? bearerKey(req);
    const { account } = this.#options;
    if (!isAccountKey(account, key)) return answerCode(account.badKeyCode);
    const tasks = this.#tasks;
    switch (path) {
      case RUNNINGHUB_PATHS.runAiApp:
        return this.#start(key, body, 'app');
      case RUNNINGHUB_PATHS.createWorkflow:
        return this.#start(key, body, 'workflow');
      case RUNNINGHUB_PATHS.status: {
        const task = tasks.own(key, body.taskId);
        return task ? answerOk(task.status) : answerCode(807);
      }
      case RUNNINGHUB_PATHS.outputs: {
        const task = tasks.own(key, body.taskId);
        if (!task) return answerCode(807);
        const envelope = simTaskEnvelope(task, this.#options.baseUrl());
        return answerCode(envelope.code, envelope.data, envelope.msg);
      }
      case RUNNINGHUB_PATHS.cancel: {
        const task = tasks.own(key, body.taskId);
        if (!task) return answerCode(807);
        tasks.cancel(task);
        return answerOk(null);
      }
      case RUNNINGHUB_PATHS.accountStatus:
        return answerOk({
          remainCoins: String(this.#options.coins ?? 100_000),
          currentTaskCounts: String(tasks.active(key)),
          remainMoney: null,
          currency: null,
          apiType: 'NORMAL',
        });
      default:
        return answerCode(412);
    }
  }

  #start(apiKey: string, body: Record<string, unknown>, kind: 'app' | 'workflow'): SimAnswer {
    const idField = kind === 'app' ? body.webappId : body.workflowId;
    const id = typeof idField === 'number' ? String(idField) : idField;
    if (typeof id !== 'string' || !/^\d{1,25}$/.test(id)) return answerCode(301, null);
    const registry = kind === 'app' ? this.#options.apps : this.#options.workflows;
    if (registry && !Object.hasOwn(registry, id)) return answerCode(kind === 'app' ? 901 : 380);
    const list = body.nodeInfoList ?? (kind === 'workflow' ? [] : undefined);
    if (!Array.isArray(list)) return answerCode(301);
    const nodes = validNodes(list);
    if (!nodes) return answerCode(803);
    const allowed = registry?.[id];
    if (allowed && nodes.some((n) => !allowed.includes(`${n.nodeId}:${n.fieldName}`))) {
      return answerCode(803);
    }
    const webhookUrl = body.webhookUrl;
    if (webhookUrl !== undefined && webhookUrl !== null) {
      if (typeof webhookUrl !== 'string') return answerCode(301);
      try {
        new URL(webhookUrl);
      } catch {
        return answerCode(301);
      }
    }
    // ComfyUI validates the prompt before the task takes a slot: a file field must name an
    // upload of this key.
    const files = simInputsOf(nodes, this.#uploads, apiKey);
    if ('refused' in files) return files.refused;
    const task = this.#tasks.start(
      {
        apiKey,
        webappId: kind === 'app' ? id : null,
        workflowId: kind === 'workflow' ? id : null,
        nodeInfoList: nodes,
        webhookUrl: typeof webhookUrl === 'string' ? webhookUrl : null,
        instanceType: typeof body.instanceType === 'string' ? body.instanceType : null,
      },
      files.inputs,
    );
    if (!task) return answerCode(421);
    return answerOk({
      netWssUrl: null,
      taskId: task.taskId,
      clientId: `sim${task.taskId.slice(-8)}`,
      taskStatus: task.status,
      promptTips: JSON.stringify({
        result: true,
        error: null,
        outputs_to_execute: ['9'],
        node_errors: {},
      }),
    });
  }
}

/** The nodeInfoList entries, each with a nodeId, a fieldName and a fieldValue, or null. */
function validNodes(list: unknown[]): SimNodeInfo[] | null {
  const out: SimNodeInfo[] = [];
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) return null;
    const { nodeId, fieldName, fieldValue } = entry as Record<string, unknown>;
    const id = typeof nodeId === 'number' ? String(nodeId) : nodeId;
    if (typeof id !== 'string' || id === '' || typeof fieldName !== 'string' || fieldName === '')
      return null;
    if (fieldValue === undefined) return null;
    out.push({ nodeId: id, fieldName, fieldValue });
  }
  return out;
}
