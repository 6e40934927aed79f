import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_UPLOAD_BYTES } from './runningHubPaths.js';
import { answerCode, type SimAnswer } from './simAnswer.js';
import { type SimDownloadLog, type SimOutputLookup, serveSimOutput } from './simOutputServer.js';
import type { SimRuntime } from './simRuntime.js';

export interface SimRequestLog {
  path: string;
  body: Record<string, unknown> | null;
  /** RunningHub code answered, or the HTTP status when it was not 200. */
  code: number;
  httpStatus: number;
}

export interface SimServerOptions {
  host?: string | undefined;
  port?: number | undefined;
  runtime: SimRuntime;
  /** The file a task made, from the parts of its output URL (taskId, token, `0.ext`). */
  outputFile: SimOutputLookup;
  /** Bytes after which the next download of a task's output is cut (an injected fault). */
  downloadCut: (taskId: string) => number | undefined;
  /** The delay before the next answer, in ms. */
  latency: () => number;
  /** Answers one API call (POST); the server logs it and writes the answer. */
  route: (req: IncomingMessage, log: SimRequestLog, raw: Buffer) => Promise<SimAnswer>;
}

export interface SimServer {
  url: string;
  port: number;
  readonly requests: SimRequestLog[];
  readonly downloads: SimDownloadLog[];
  close(): Promise<void>;
}

const MAX_BODY = MAX_UPLOAD_BYTES + 1024 * 1024;

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BodyTooLarge('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The simulator's HTTP side on loopback: GET `/outputs/…` serves the files tasks made
 * (simOutputServer),
 * anything else is an API call, delayed by the configured latency, logged, and answered.
 */
export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  const { runtime, outputFile, downloadCut, latency, route } = options;
  const requests: SimRequestLog[] = [];
  const downloads: SimDownloadLog[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (req.method === 'GET' && url.pathname.startsWith('/outputs/')) {
      downloads.push(await serveSimOutput(res, url.pathname, outputFile, downloadCut));
      return;
    }
    const log: SimRequestLog = { path: url.pathname, body: null, code: 0, httpStatus: 200 };
    let answer: SimAnswer;
    try {
      const raw = await readBody(req);
      await new Promise((r) => runtime.later(latency(), () => r(undefined)));
      answer =
        req.method === 'POST' ? await route(req, log, raw) : { httpStatus: 405, body: 'POST only' };
    } catch (error) {
      answer =
        error instanceof BodyTooLarge
          ? answerCode(809)
          : { httpStatus: 500, body: 'simulator fault' };
    }
    log.httpStatus = answer.httpStatus;
    log.code =
      answer.httpStatus === 200 ? (answer.body as { code: number }).code : answer.httpStatus;
    requests.push(log);
    if (runtime.closed) {
      res.destroy();
      return;
    }
    if (typeof answer.body === 'string') {
      res.writeHead(answer.httpStatus, { 'content-type': 'text/plain' });
      res.end(answer.body);
    } else {
      res.writeHead(answer.httpStatus, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    requests,
    downloads,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
