import type { ServerResponse } from 'node:http';
import { type SimOutput, simOutputSize } from './simTask.js';

/** One GET of a task's output, as the simulator served it. */
export interface SimDownloadLog {
  /** The task the path names ('' when the path names none). */
  taskId: string;
  /** 200, or 404 for a path that names no result (wrong token, unknown or unfinished task). */
  status: number;
  /** Body bytes written. */
  bytes: number;
  /** True when the connection was cut before the whole file was sent. */
  cut: boolean;
}

/** Finds a task's result from the parts of its output path, or nothing. */
export type SimOutputLookup = (
  taskId: string,
  token: string,
  name: string,
) => SimOutput | undefined;

/** Writes in pieces of at most this size, so a cut lands where the injection says. */
const PIECE = 64 * 1024;

const HEADERS = {
  // The app's pages show it from another origin.
  'access-control-allow-origin': '*',
  'cache-control': 'no-store',
};

/**
 * Serves GET `/outputs/{taskId}/{token}/0.{ext}`: the file a task made, with its type and
 * Content-Length, streamed with backpressure (a stream output is read piece by piece, never
 * held whole). 404 for any path that does not name a finished task's result with its token.
 * `cutAfter` (an injected fault) destroys the connection once that many body bytes are out.
 */
export async function serveSimOutput(
  res: ServerResponse,
  pathname: string,
  lookup: SimOutputLookup,
  cutAfter: (taskId: string) => number | undefined,
): Promise<SimDownloadLog> {
  const [, , taskId = '', token = '', name = '', ...rest] = pathname.split('/');
  const file = rest.length === 0 ? lookup(taskId, token, name) : undefined;
  const log: SimDownloadLog = { taskId, status: file ? 200 : 404, bytes: 0, cut: false };
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain', ...HEADERS });
    res.end('no such output');
    return log;
  }
  const size = simOutputSize(file);
  // A cut at or past the end would change nothing the client can see: the file is served whole.
  const asked = cutAfter(taskId);
  const limit = asked !== undefined && asked < size ? asked : undefined;
  res.writeHead(200, {
    'content-type': file.contentType,
    'content-length': String(size),
    ...HEADERS,
  });
  try {
    for await (const chunk of chunksOf(file)) {
      for (let at = 0; at < chunk.byteLength; at += PIECE) {
        let piece = chunk.subarray(at, at + PIECE);
        if (log.bytes + piece.byteLength > size) throw new Error('output longer than its size');
        const cutNow = limit !== undefined && log.bytes + piece.byteLength >= limit;
        if (cutNow) piece = piece.subarray(0, limit - log.bytes);
        await write(res, piece);
        log.bytes += piece.byteLength;
        if (cutNow) {
          log.cut = true;
          res.destroy();
          return log;
        }
        if (res.destroyed) throw new Error('the client went away');
      }
    }
    if (log.bytes !== size) throw new Error('output shorter than its size');
    res.end();
  } catch {
    // Never finish a response whose body is not the announced file: the client must see a
    // broken download, not a short or wrong file.
    log.cut = true;
    res.destroy();
  }
  return log;
}

async function* chunksOf(file: SimOutput): AsyncIterable<Uint8Array> {
  if ('data' in file) yield file.data;
  else yield* file.chunks();
}

/** Writes `piece` and waits until the socket took it (backpressure) or closed. */
function write(res: ServerResponse, piece: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (piece.byteLength === 0 || res.destroyed) return resolve();
    const onClose = () => resolve();
    res.once('close', onClose);
    res.write(piece, () => {
      res.off('close', onClose);
      resolve();
    });
  });
}
