import type { IncomingMessage } from 'node:http';
import { sniffContentType } from '@jobgate/core/adapter';
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

/** One file the account uploaded, with its bytes. */
export interface SimUpload {
  /** The file's own name, as the form sent it (e.g. `person.png`). */
  name: string;
  size: number;
  /** The form's `fileType` (`image`, `video`, `audio`, `input`). */
  fileType: string;
  /** Read from the bytes (`sniffContentType`), `application/octet-stream` if they show none. */
  contentType: string;
  bytes: Uint8Array;
  /** The key that uploaded it: only that key's starts may use it. */
  apiKey: string;
}

/** The simulator keeps at most this many uploaded bytes by default (256 MiB). */
export const DEFAULT_UPLOAD_CAP_BYTES = 256 * 1024 * 1024;

/**
 * `/task/openapi/upload`: a multipart form with `apiKey`, `fileType` and `file`, answered
 * with a `fileName` (`api/…`) the way RunningHub names uploads. Keeps each upload's bytes so
 * a start can be checked against them and a task's output made from them; past `capBytes`
 * in total the oldest uploads are forgotten (as RunningHub forgets old uploads), so a
 * long-running demo does not grow without bound. The newest upload is always kept, even
 * alone over the cap.
 */
export class SimUploads {
  readonly files = new Map<string, SimUpload>();
  #nextUpload = 1;
  #bytes = 0;
  readonly #runtime: SimRuntime;
  readonly #account: SimAccount;
  readonly #capBytes: number;

  constructor(runtime: SimRuntime, account: SimAccount, capBytes = DEFAULT_UPLOAD_CAP_BYTES) {
    this.#runtime = runtime;
    this.#account = account;
    this.#capBytes = capBytes;
  }

  /** Bytes held now (never above the cap, but for one newest file larger than it). */
  get storedBytes(): number {
    return this.#bytes;
  }

  /** The upload `fileName` names, if `apiKey` made it and it is still kept. */
  own(apiKey: string, fileName: unknown): SimUpload | null {
    if (typeof fileName !== 'string') return null;
    const upload = this.files.get(fileName);
    return upload && upload.apiKey === apiKey ? upload : null;
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
    const bytes = new Uint8Array(await file.arrayBuffer());
    const dot = file.name.lastIndexOf('.');
    const ext = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : 'bin';
    const serial = String(this.#nextUpload++).padStart(8, '0');
    const fileName = `api/${serial}${this.#runtime.random().toString(16).slice(2, 10)}.${ext}`;
    const declared = form.get('fileType');
    const fileType = typeof declared === 'string' && declared.length > 0 ? declared : 'input';
    this.#keep(fileName, {
      name: file.name,
      size: bytes.byteLength,
      fileType,
      contentType: sniffContentType(bytes) ?? 'application/octet-stream',
      bytes,
      apiKey: key,
    });
    return answerOk({ fileName, fileType });
  }

  #keep(fileName: string, upload: SimUpload): void {
    // A Map iterates in insertion order: the first entries are the oldest uploads.
    for (const [oldName, old] of this.files) {
      if (this.#bytes + upload.size <= this.#capBytes) break;
      this.files.delete(oldName);
      this.#bytes -= old.size;
    }
    this.files.set(fileName, upload);
    this.#bytes += upload.size;
  }
}
