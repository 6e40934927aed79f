import { createHash } from 'node:crypto';
import { HttpResponse, http } from 'msw';

/** RunningHub's API host, the provider's default base URL. */
export const BASE = 'https://www.runninghub.ai';
/** Where RunningHub's outputs answer points at generated files (its file CDN). */
export const CDN = 'https://rh-images.xiaoyaoyou.com';

export interface CloudUpload {
  apiKey: unknown;
  fileType: unknown;
  name: string;
  bytes: Uint8Array;
  answer: { code: number; fileName?: string };
}

const envelope = (code: number, msg: string, data: unknown) =>
  HttpResponse.json({ code, msg, data });

/**
 * RunningHub's cloud as its OpenAPI documentation describes it, for msw: the multipart upload
 * (`apiKey`, `fileType`, `file` → `{ fileName }`), the AI-app run (`nodeInfoList`, an
 * optional `webhookUrl`), status, outputs (file URLs on the CDN), cancel, and the CDN serving
 * the result. It records every call and answers as the test sets it up.
 */
export class RunningHubCloud {
  readonly uploads: CloudUpload[] = [];
  readonly runs: Record<string, unknown>[] = [];
  readonly statusCalls: string[] = [];
  readonly cancels: Record<string, unknown>[] = [];
  readonly downloads: string[] = [];
  /** Codes the next uploads answer instead of success (consumed in order). */
  readonly uploadCodes: number[] = [];
  /** Codes the next runs answer instead of success (consumed in order). */
  readonly runCodes: number[] = [];
  /** The result file each finished task has, by task id. */
  readonly results = new Map<string, Uint8Array>();
  #nextTask = 1907035719658053600n;

  /** The CDN URL of a task's result. */
  resultUrl(taskId: string): string {
    return `${CDN}/${createHash('md5').update(taskId).digest('hex')}/output/ComfyUI_00001_.png`;
  }

  /** What `/task/openapi/outputs` answers (and a TASK_END carries) for a finished task. */
  outputsEnvelope(taskId: string) {
    return {
      code: 0,
      msg: 'success',
      data: [{ fileUrl: this.resultUrl(taskId), fileType: 'png', taskCostTime: '12', nodeId: '9' }],
    };
  }

  handlers() {
    return [
      http.post(`${BASE}/task/openapi/upload`, async ({ request }) => {
        const form = await request.formData();
        const file = form.get('file');
        if (!(file instanceof File)) return envelope(301, 'PARAMS_INVALID', null);
        const bytes = new Uint8Array(await file.arrayBuffer());
        const code = this.uploadCodes.shift() ?? 0;
        const ext = file.name.slice(file.name.lastIndexOf('.') + 1);
        const fileName = `api/${createHash('sha256').update(bytes).digest('hex')}.${ext}`;
        this.uploads.push({
          apiKey: form.get('apiKey'),
          fileType: form.get('fileType'),
          name: file.name,
          bytes,
          answer: code === 0 ? { code, fileName } : { code },
        });
        if (code !== 0)
          return envelope(code, code === 808 ? 'APIKEY_UPLOAD_FAILED' : 'ERROR', null);
        return envelope(0, 'success', { fileName, fileType: form.get('fileType') });
      }),
      http.post(`${BASE}/task/openapi/ai-app/run`, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        this.runs.push(body);
        const code = this.runCodes.shift() ?? 0;
        if (code === 421) return envelope(421, 'TASK_QUEUE_MAXED', null);
        if (code !== 0) return envelope(code, 'ERROR', null);
        const taskId = String(this.#nextTask++);
        return envelope(0, 'success', {
          netWssUrl: null,
          taskId,
          clientId: 'c0ffee',
          taskStatus: 'RUNNING',
          promptTips:
            '{"result": true, "error": null, "outputs_to_execute": ["9"], "node_errors": {}}',
        });
      }),
      http.post(`${BASE}/task/openapi/status`, async ({ request }) => {
        const { taskId } = (await request.json()) as { taskId: string };
        this.statusCalls.push(taskId);
        return envelope(0, 'success', this.results.has(taskId) ? 'SUCCESS' : 'RUNNING');
      }),
      http.post(`${BASE}/task/openapi/outputs`, async ({ request }) => {
        const { taskId } = (await request.json()) as { taskId: string };
        return this.results.has(taskId)
          ? HttpResponse.json(this.outputsEnvelope(taskId))
          : envelope(804, 'APIKEY_TASK_IS_RUNNING', null);
      }),
      http.post(`${BASE}/task/openapi/cancel`, async ({ request }) => {
        this.cancels.push((await request.json()) as Record<string, unknown>);
        return envelope(0, 'success', null);
      }),
      http.get(`${CDN}/:hash/output/:name`, ({ request }) => {
        this.downloads.push(request.url);
        const taskId = [...this.results.keys()].find((id) => this.resultUrl(id) === request.url);
        const bytes = taskId === undefined ? undefined : this.results.get(taskId);
        if (!bytes) return new HttpResponse('not found', { status: 404 });
        return new HttpResponse(bytes as Uint8Array<ArrayBuffer>, {
          headers: { 'content-type': 'image/png', 'content-length': String(bytes.byteLength) },
        });
      }),
    ];
  }
}
