import { sniffContentType } from '../domain/contentType.js';
import { JobGateError } from '../domain/errors.js';
import type { FileStorage, FileWriteOptions, StoredFile } from '../ports/fileStorage.js';

interface MemoryFile {
  data: Uint8Array;
  contentType: string;
}

/**
 * A FileStorage in memory, for tests and demos: what the browser uploaded (`put`), what the
 * runner copied, and signed URLs as `data:` URLs (any process can fetch them). A write whose
 * body errors stores nothing, as every storage must.
 */
export class MemoryFileStorage implements FileStorage {
  readonly files = new Map<string, MemoryFile>();

  /** Stores a file as an upload would (its type read from its bytes unless given). */
  put(path: string, data: Uint8Array | string, contentType?: string): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.files.set(path, {
      data: bytes,
      contentType: contentType ?? sniffContentType(bytes) ?? 'application/octet-stream',
    });
  }

  async read(path: string): Promise<StoredFile> {
    const file = this.files.get(path);
    if (!file) {
      throw new JobGateError('STORAGE_ERROR', `no file at ${path}`, {
        kind: 'invalid',
        details: { path, reason: 'missing' },
      });
    }
    return {
      path,
      size: file.data.byteLength,
      contentType: file.contentType,
      blob: async () =>
        new Blob([file.data as Uint8Array<ArrayBuffer>], { type: file.contentType }),
    };
  }

  async write(
    path: string,
    body: ReadableStream<Uint8Array>,
    options: FileWriteOptions,
  ): Promise<void> {
    if (options.ifAbsent && this.files.has(path)) {
      await body.cancel();
      throw new JobGateError('CONFLICT', `a file is at ${path} already`);
    }
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    const size = chunks.reduce((n, c) => n + c.byteLength, 0);
    const data = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      data.set(chunk, at);
      at += chunk.byteLength;
    }
    this.files.set(path, { data, contentType: options.contentType });
  }

  async signedUrl(path: string): Promise<string> {
    const file = this.files.get(path);
    if (!file) {
      throw new JobGateError('STORAGE_ERROR', `no file at ${path}`, {
        kind: 'invalid',
        details: { path, reason: 'missing' },
      });
    }
    let binary = '';
    for (const byte of file.data) binary += String.fromCharCode(byte);
    return `data:${file.contentType};base64,${btoa(binary)}`;
  }

  async remove(paths: readonly string[]): Promise<void> {
    for (const path of paths) this.files.delete(path);
  }
}
