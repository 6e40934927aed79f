import type { IncomingMessage } from 'node:http';
import { MAX_UPLOAD_BYTES } from './runningHubPaths.js';
import {
  answerCode,
  answerOk,
  bearerKey,
  isAccountKey,
  type SimAccount,
  type SimAnswer,
} from './simAnswer.js';
import type { SimRuntime } from './simRuntime.js';
import type { SimRequestLog } from './simServer.js';

export interface SimUpload {
  name: string;
  size: number;
  fileType: string;
}

/**
 * `/task/openapi/upload`: a multipart form with `apiKey`, `fileType` and `file`, answered
 * with a `fileName` (`api/…`) the way RunningHub names uploads. Keeps what was uploaded.
 */
export class SimUploads {
  readonly files = new Map<string, SimUpload>();
  #nextUpload = 1;
  readonly #runtime: SimRuntime;
  readonly #account: SimAccount;

  constructor(runtime: SimRuntime, account: SimAccount) {
    this.#runtime = runtime;
    this.#account = account;
  }

  async handle(req: IncomingMessage, raw: Buffer, log: SimRequestLog): Promise<SimAnswer> {
    let form: FormData;
    try {
      const request = new Request('http://sim/upload', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: new Uint8Array(raw),
      });
      form = await request.formData();
    } catch {
      return answerCode(301);
    }
    const key = form.get('apiKey') ?? bearerKey(req);
    log.body = { apiKey: typeof key === 'string' ? '***' : null, fileType: form.get('fileType') };
    if (!isAccountKey(this.#account, key)) return answerCode(this.#account.badKeyCode);
    const file = form.get('file');
    if (file === null || typeof file === 'string') return answerCode(301);
    if (file.size > MAX_UPLOAD_BYTES) return answerCode(809);
    if (file.size === 0) return answerCode(808);
    const dot = file.name.lastIndexOf('.');
    const ext = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : 'bin';
    const serial = String(this.#nextUpload++).padStart(8, '0');
    const fileName = `api/${serial}${this.#runtime.random().toString(16).slice(2, 10)}.${ext}`;
    const fileType = form.get('fileType');
    this.files.set(fileName, {
      name: file.name,
      size: file.size,
      fileType: typeof fileType === 'string' ? fileType : 'input',
    });
    return answerOk({ fileName, fileType: 'input' });
  }
}
