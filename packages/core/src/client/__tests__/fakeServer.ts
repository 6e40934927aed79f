// A small in-process server speaking the wire format of @jobgate/server (the routes of packages/server/README.md),
// over the real JobRunner + MemoryStore + SimulatedProvider on a FakeClock. Tests pass
// `server.fetch` to fetchTransport/sseUpdates, or mount `server.handle` on node:http.
import { tools } from '@jobgate/example-tools';
import { JobGateError, toJobGateError } from '../../domain/errors.js';
import type { Job } from '../../domain/job.js';
import { isTerminal } from '../../domain/jobStatus.js';
import { MemoryStore } from '../../memory/memoryStore.js';
import { JobRunner } from '../../runner/jobRunner.js';
import { FakeClock } from '../../testing/fakeClock.js';
import { MemoryFileStorage } from '../../testing/memoryFileStorage.js';
import { SimulatedProvider } from '../../testing/simulatedProvider.js';

export interface LoggedRequest {
  method: string;
  path: string;
  body: unknown;
  user: string | null;
}

type Fault = 'network' | 'html502' | 'hang' | ((request: Request) => Response | Promise<Response>);

export interface FakeServerOptions {
  /** Global cap (pool `default`). Default 3. */
  cap?: number;
  /** How long a task runs at the simulated provider, on `clock`. Default 1000 ms. */
  durationMs?: number;
  /**
   * Serve the tools with their file fields (uploads go to `server.storage`). Default false:
   * the protocol tests send inputs without uploads, so the tools there have no file fields.
   */
  files?: boolean;
}

export function createFakeServer(options: FakeServerOptions = {}) {
  const clock = new FakeClock();
  const store = new MemoryStore();
  const duration = options.durationMs ?? 1_000;
  const provider = new SimulatedProvider({
    clock,
    seed: 3,
    startLatencyMs: [0, 0],
    durationMs: [duration, duration],
  });
  const storage = new MemoryFileStorage();
  const runner = new JobRunner({
    store,
    provider,
    tools: options.files ? tools : tools.map((tool) => Object.freeze({ ...tool, files: [] })),
    storage,
    clock,
    policy: { globalCap: options.cap ?? 3 },
    wakeTimers: false,
    random: () => 0.5,
  });
  provider.onUpdate((jobId, update) => {
    void runner.applyUpdate(jobId, update);
  });

  const requests: LoggedRequest[] = [];
  const faults: {
    match: (method: string, path: string) => boolean;
    fault: Fault;
    once: boolean;
  }[] = [];
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const hanging = new Set<() => void>();
  const encoder = new TextEncoder();

  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });

  function events(job: Job): Response {
    let unsubscribe = () => {};
    let self: ReadableStreamDefaultController<Uint8Array> | null = null;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        self = controller;
        streams.add(controller);
        const send = (j: Job) => {
          controller.enqueue(encoder.encode(`event: job\ndata: ${JSON.stringify(j)}\n\n`));
          if (isTerminal(j.status)) {
            unsubscribe();
            streams.delete(controller);
            controller.close();
          }
        };
        const reread = () =>
          void store.get(job.id).then((j) => {
            if (j && streams.has(controller)) send(j);
          });
        // As the real SSE route: the job's own changes, and its pool's queue moves (its
        // position is computed when read, so its row does not change when the queue moves).
        unsubscribe = store.subscribe(
          (change) => {
            if (change.id === job.id) reread();
          },
          (pool) => {
            if (pool === job.pool) reread();
          },
        );
        // Subscribed first, then the current state: no change can fall in between.
        void store.get(job.id).then((j) => {
          if (j && streams.has(controller)) send(j);
        });
      },
      cancel() {
        unsubscribe();
        if (self) streams.delete(self);
      },
    });
    return new Response(body, {
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' },
    });
  }

  async function route(request: Request, user: string, method: string, path: string) {
    const body = method === 'POST' ? await request.json().catch(() => ({})) : undefined;
    requests.push({ method, path, body, user });
    const b = (body ?? {}) as Record<string, unknown>;
    if (method === 'POST' && path === '/jobs') {
      const job = await runner.submit({
        jobId: String(b.jobId),
        tool: String(b.tool),
        userId: user,
        input: b.input,
      });
      return json(200, { job });
    }
    if (method === 'GET' && path === '/jobs/active') {
      return json(200, { job: await runner.active(user) });
    }
    if (method === 'POST' && path === '/jobs/cancel-session') {
      return json(200, { jobs: await runner.cancelSession(user) });
    }
    if (method === 'GET' && path === '/slots') return json(200, await runner.slots());
    const m = /^\/jobs\/([^/]+)(\/cancel|\/events)?$/.exec(path);
    if (m?.[1]) {
      const id = decodeURIComponent(m[1]);
      if (method === 'GET' && !m[2]) return json(200, { job: await runner.get(id, user) });
      if (method === 'POST' && m[2] === '/cancel') {
        return json(200, {
          job: await runner.cancel({ jobId: id, userId: user, confirm: b.confirm === true }),
        });
      }
      if (method === 'GET' && m[2] === '/events') return events(await runner.get(id, user));
    }
    throw new JobGateError('NOT_FOUND', `no route ${method} ${path}`);
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.replace(/^\/api/, '');
    const method = request.method;
    const index = faults.findIndex((f) => f.match(method, path));
    if (index !== -1) {
      const fault = faults[index]!;
      if (fault.once) faults.splice(index, 1);
      requests.push({ method, path, body: undefined, user: null });
      if (fault.fault === 'network') throw new TypeError('Failed to fetch');
      if (fault.fault === 'html502') {
        return new Response('<html><body><h1>502 Bad Gateway</h1></body></html>', {
          status: 502,
          headers: { 'content-type': 'text/html' },
        });
      }
      if (fault.fault === 'hang') {
        return new Promise<Response>((_, reject) => {
          const fail = () => reject(new DOMException('aborted', 'AbortError'));
          hanging.add(fail);
          request.signal.addEventListener('abort', fail);
        });
      }
      return fault.fault(request);
    }
    const auth = request.headers.get('authorization');
    const user = auth?.startsWith('Bearer ') ? auth.slice(7) : null;
    try {
      if (!user) throw new JobGateError('UNAUTHENTICATED', 'no token');
      return await route(request, user, method, path);
    } catch (error) {
      const err = toJobGateError(error);
      return json(err.status, err.toJSON());
    }
  }

  const fakeFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    return handle(request);
  };

  return {
    clock,
    store,
    storage,
    provider,
    runner,
    requests,
    handle,
    fetch: fakeFetch,
    /** Requests matching `method path`, e.g. `count('POST', '/jobs')`. */
    count(method: string, path: string | RegExp): number {
      return requests.filter(
        (r) =>
          r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)),
      ).length;
    },
    /** The next matching request (or every one, with `once: false`) fails this way. */
    fault(method: string, path: string | RegExp, fault: Fault, once = true): void {
      faults.push({
        match: (m, p) => m === method && (typeof path === 'string' ? p === path : path.test(p)),
        fault,
        once,
      });
    },
    clearFaults(): void {
      faults.length = 0;
    },
    /** Breaks every open event stream (a dropped connection). */
    dropStreams(): void {
      for (const controller of streams) controller.error(new TypeError('network connection lost'));
      streams.clear();
    },
    /** Sends `: ping` to every open event stream. */
    ping(): void {
      for (const controller of streams) controller.enqueue(encoder.encode(': ping\n\n'));
    },
    get openStreams(): number {
      return streams.size;
    },
    /** Provider progress for a running job. */
    async progress(jobId: string, progress: number): Promise<Job> {
      const job = await store.get(jobId);
      return runner.applyUpdate(jobId, {
        state: 'running',
        progress,
        ...(job?.taskId ? { taskId: job.taskId } : {}),
      });
    },
    /** Starts a job for `user` directly on the server (another tab, another user). */
    async submitAs(user: string, jobId: string, tool = 'veste-ai'): Promise<Job> {
      return runner.submit({
        jobId,
        tool,
        userId: user,
        input: { person: 'veste-ai/u/j/person.webp', clothing: 'veste-ai/u/j/shirt.webp' },
      });
    },
  };
}

export type FakeServer = ReturnType<typeof createFakeServer>;

export const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Lets pending promise callbacks (and the fake server's async work) run. */
export async function flush(times = 20): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise<void>((r) => setTimeout(r, 0));
}
