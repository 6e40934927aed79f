import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export {
  type LocalFileStorage,
  type LocalFileStorageOptions,
  localFileStorage,
} from './localFileStorage.js';

export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * Adapts a fetch handler (such as `createJobHandler(...)`) to `node:http`: the body is
 * streamed (the handler counts it), the request's signal aborts when the client goes away
 * (ending server-sent event streams), and the response body is streamed back.
 */
export function toNodeListener(
  handler: FetchHandler,
  options: { trustProxy?: boolean } = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void serve(handler, req, res, options.trustProxy === true);
  };
}

async function serve(
  handler: FetchHandler,
  req: IncomingMessage,
  res: ServerResponse,
  trustProxy: boolean,
): Promise<void> {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  try {
    const proto =
      trustProxy && typeof req.headers['x-forwarded-proto'] === 'string'
        ? req.headers['x-forwarded-proto'].split(',')[0]!.trim()
        : 'http';
    const url = new URL(req.url ?? '/', `${proto}://${req.headers.host ?? 'localhost'}`);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else headers.set(name, value);
    }
    const method = req.method ?? 'GET';
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers,
      signal: controller.signal,
    };
    if (hasBody) {
      init.body = requestBody(req);
      init.duplex = 'half';
    }
    const response = await handler(new Request(url, init));
    const outHeaders: Record<string, string | string[]> = {};
    response.headers.forEach((value, name) => {
      outHeaders[name] = value;
    });
    res.writeHead(response.status, outHeaders);
    if (response.body === null || method === 'HEAD') {
      res.end();
      return;
    }
    const reader = response.body.getReader();
    controller.signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      }
      if (res.destroyed) break;
    }
    res.end();
  } catch (error) {
    if (!res.headersSent) {
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(
        JSON.stringify({
          error: {
            code: 'INTERNAL',
            message: error instanceof Error ? error.message : 'internal error',
          },
        }),
      );
    } else {
      res.destroy();
    }
  }
}

/** Bytes of an unread request body drained after an early answer before the socket is cut. */
const DRAIN_LIMIT = 8 * 1024 * 1024;

/**
 * The request body as a web stream with backpressure. When the handler stops reading (an
 * early 413), the rest is drained and discarded rather than the socket destroyed, so the
 * client gets to read the answer.
 */
function requestBody(req: IncomingMessage): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          if (done) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once('end', () => {
          if (done) return;
          done = true;
          controller.close();
        });
        req.once('error', (error) => {
          if (done) return;
          done = true;
          controller.error(error);
        });
      },
      pull() {
        req.resume();
      },
      cancel() {
        done = true;
        let drained = 0;
        req.on('data', (chunk: Buffer) => {
          drained += chunk.byteLength;
          if (drained > DRAIN_LIMIT) req.destroy();
        });
        req.resume();
      },
    },
    { highWaterMark: 4 },
  );
}

/** Starts a `node:http` server for a fetch handler. Resolves once it listens. */
export async function serveNode(
  handler: FetchHandler,
  options: { port?: number; hostname?: string; trustProxy?: boolean } = {},
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer(toNodeListener(handler, { trustProxy: options.trustProxy === true }));
  const hostname = options.hostname ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, hostname, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    server,
    url: `http://${hostname}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
