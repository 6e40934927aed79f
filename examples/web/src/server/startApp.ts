import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import {
  JobGateError,
  JobRunner,
  type JobStore,
  MemoryStore,
  type RunnerTimeouts,
  toJobGateError,
} from '@jobgate/core';
import { RunningHubProvider } from '@jobgate/runninghub';
import { startRunningHubSimulator } from '@jobgate/runninghub/simulator';
import {
  type AuthContext,
  createJobHandler,
  errorResponse,
  MemoryRateLimiter,
  type RateBucket,
  type RateRule,
} from '@jobgate/server';
import { localFileStorage, toNodeListener } from '@jobgate/server/node';
import { loadAppTools } from './appTools.js';
import { buildClient } from './buildClient.js';
import { Chaos, type ChaosAction, type ChaosSettings } from './chaos.js';
import { DEMO_CAP, DEMO_TIMEOUTS } from './demoSettings.js';
import { devAuthenticator } from './devAuthenticator.js';
import { fileRoutes } from './fileRoutes.js';
import { markedOutput } from './markedOutput.js';

export interface AppOptions {
  /** Where the app keeps its files (PGlite data, uploads, the built client). */
  tmpDir: string;
  /** Where the built client is cached. Default `tmpDir/build`. */
  buildDir?: string;
  /** 0 picks a free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** `pglite` (embedded Postgres, the default) or `memory`. */
  store?: 'pglite' | 'memory';
  /** PGlite keeps its data in this folder; `null`: in memory (fresh on every start). */
  pgliteDir?: string | null;
  /** `--dev-auth`: allow the password-less demo sign-in on a shared store. */
  devAuth?: boolean;
  /** How long an image task runs at the simulated RunningHub, [min, max] ms. */
  imageRunMs?: readonly [number, number];
  /** How long a video task runs, ms (its progress is reported along the way). */
  videoRunMs?: number;
  /** The runner's timeouts, over {@link DEMO_TIMEOUTS} (the settings of `npm start`). */
  timeouts?: RunnerTimeouts;
  /** Running jobs at once (`--cap`). Default {@link DEMO_CAP}. */
  cap?: number;
  /** Override the per-user rate limits of the handler (`null` switches one off). */
  rateLimits?: Partial<Record<RateBucket, RateRule | null>>;
  log?: (line: string) => void;
  /** Called with the URL as soon as the page is served (the API follows once the store is open). */
  onListening?: (url: string) => void;
}

export interface App {
  url: string;
  /** How long simulated tasks run; changes apply to tasks started afterwards. */
  timing: { imageRunMs: readonly [number, number]; videoRunMs: number };
  /** Where the local uploader keeps files. */
  filesDir: string;
  /** The built browser app. */
  clientDir: string;
  runner: JobRunner;
  chaos: Chaos;
  store: JobStore;
  close(): Promise<void>;
}

const VIDEO_APP = '2018810750139109378';
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

async function openStore(options: AppOptions): Promise<JobStore> {
  if (options.store === 'memory') return new MemoryStore();
  const { createPgliteSnapshot, createPgliteStore, functionsMigration, numberedMigrations } =
    await import('@jobgate/postgres');
  if (options.pgliteDir) return createPgliteStore({ dataDir: options.pgliteDir });
  // In memory, from a migrated snapshot kept beside the rest (initdb runs once).
  const snapshot = join(
    options.tmpDir,
    // Named after the schema it holds: the last numbered migration and the functions' checksum.
    `pglite-${numberedMigrations().at(-1)?.version}-${functionsMigration().checksum.slice(0, 12)}.tar.gz`,
  );
  if (!existsSync(snapshot)) {
    writeFileSync(snapshot, Buffer.from(await (await createPgliteSnapshot()).arrayBuffer()));
  }
  return createPgliteStore({ loadDataDir: new Blob([readFileSync(snapshot)]) });
}

/**
 * The local web app of `npm start`, in one Node process: the @jobgate/server handler under
 * `/api`, the local uploader under `/files`, the chaos controls under `/chaos`, the Vite-built
 * React app, a PGlite store, and the simulated RunningHub (its own loopback port, reached by
 * the real RunningHub provider, calling back the app's webhook route).
 */
export async function startApp(options: AppOptions): Promise<App> {
  const log = options.log ?? (() => {});
  await mkdir(options.tmpDir, { recursive: true });
  const filesDir = join(options.tmpDir, 'files');
  const opening = openStore(options);
  opening.catch(() => {});
  const tools = await loadAppTools();
  // What the pages draw each tool from: plain JSON, so no schema library reaches the browser.
  const toolForms = JSON.stringify(tools.map((tool) => tool.form));
  const distDir = await buildClient(options.buildDir ?? join(options.tmpDir, 'build'), log);

  // The page is served as soon as the server listens; the API waits until the store is open.
  let route: ((request: Request) => Promise<Response>) | null = null;
  let setReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    setReady = resolve;
  });
  const serveStatic = async (pathname: string): Promise<Response> => {
    const safe = normalize(pathname).replace(/^(\.\.[/\\])+/, '');
    const file = join(distDir, safe);
    const found =
      file.startsWith(distDir) && existsSync(file) && extname(file) !== ''
        ? file
        : join(distDir, 'index.html');
    return new Response(await readFile(found), {
      headers: {
        'content-type': CONTENT_TYPES[extname(found)] ?? 'application/octet-stream',
        'cache-control': found.includes('/assets/') ? 'public, max-age=31536000' : 'no-cache',
      },
    });
  };
  const server = createServer(
    toNodeListener(async (request) => {
      const { pathname } = new URL(request.url);
      if (pathname === '/tools.json') {
        return new Response(toolForms, { headers: { 'content-type': 'application/json' } });
      }
      if (!/^\/(api|files|chaos)(\/|$)/.test(pathname)) return serveStatic(pathname);
      await ready;
      return route!(request);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${address.port}`;
  options.onListening?.(url);
  let store: JobStore;
  try {
    store = await opening;
  } catch (error) {
    server.close();
    throw error;
  }
  const auth = devAuthenticator({ store, allowSharedStore: options.devAuth === true });
  const timing = {
    imageRunMs: options.imageRunMs ?? ([4_000, 9_000] as const),
    videoRunMs: options.videoRunMs ?? 30_000,
  };
  const simulator = await startRunningHubSimulator({
    seed: Date.now() % 100_000,
    concurrency: options.cap ?? DEMO_CAP,
    durationMs: (task) =>
      task.webappId === VIDEO_APP ? [timing.videoRunMs, timing.videoRunMs] : timing.imageRunMs,
    // The banner names the task's tool (its job's, read when the task ends).
    output: markedOutput(async (task) => {
      const jobId = chaos.jobOfTask.get(task.taskId);
      const job = jobId ? await store.get(jobId) : null;
      return tools.find((tool) => tool.id === job?.tool)?.name ?? null;
    }),
  });
  const chaos = new Chaos(simulator);
  const provider = chaos.wrap(
    new RunningHubProvider({
      apiKey: 'sim-key',
      baseUrl: simulator.url,
      retry: { attempts: 2, backoffMs: [200] },
    }),
  );

  // The app's files: uploads land here, the runner hands them to RunningHub and keeps the
  // results here; the browser reads results through URLs signed with this secret.
  const storage = localFileStorage({
    dir: filesDir,
    secret: randomBytes(24).toString('hex'),
    baseUrl: `${url}/files`,
  });
  const runner = new JobRunner({
    store,
    provider,
    tools,
    storage,
    webhook: { baseUrl: `${url}/api`, secret: randomBytes(24).toString('hex') },
    policy: { globalCap: options.cap ?? DEMO_CAP },
    timeouts: { ...DEMO_TIMEOUTS, ...options.timeouts },
  });
  const api = createJobHandler({
    runner,
    auth,
    basePath: '/api',
    rateLimiter: new MemoryRateLimiter(),
    // The panel polls twice a second per window: reads get more room than the default.
    rateLimits: { read: { limit: 600, windowMs: 60_000 }, ...options.rateLimits },
    isOperator: (who: AuthContext) => who.role === 'service' || who.claims?.role === 'operator',
    onError: (error, where) => {
      if (error.status >= 500) log(`${where.method} ${where.path}: ${error.code} ${error.message}`);
    },
  });
  const files = fileRoutes({ storage, auth, tools });

  // A killed start drops the socket of the request that made it, like a crashed process.
  const killers = new Map<string, () => void>();
  chaos.onKill((jobId) => killers.get(jobId)?.());
  const submit = async (request: Request): Promise<Response> => {
    let jobId = '';
    try {
      jobId = String(JSON.parse(await request.clone().text()).jobId ?? '');
    } catch {
      // not JSON: the handler answers VALIDATION
    }
    const killed = new Promise<Response>((resolve) => {
      killers.set(jobId, () =>
        resolve(
          new Response(
            new ReadableStream({ start: (c) => c.error(new Error('the process died')) }),
          ),
        ),
      );
    });
    try {
      return await Promise.race([api(request), killed]);
    } finally {
      killers.delete(jobId);
    }
  };

  const chaosRoute = async (request: Request): Promise<Response> => {
    try {
      // Operators only, reading as well as changing: the controls are the operator's.
      const who = await auth.authenticate(request);
      if (who.claims?.role !== 'operator') {
        return errorResponse(new JobGateError('FORBIDDEN', 'the chaos controls are for operators'));
      }
      if (request.method === 'GET') return Response.json({ settings: chaos.settings });
      const body = (await request.json().catch(() => ({}))) as {
        settings?: Partial<ChaosSettings>;
        action?: ChaosAction;
      };
      if (body.action === 'kill-start' || body.action === 'rate-limit') chaos.act(body.action);
      return Response.json({ settings: chaos.set(body.settings ?? {}) });
    } catch (error) {
      return errorResponse(error);
    }
  };

  route = async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname === '/api/jobs' && request.method === 'POST') return submit(request);
    if (pathname.startsWith('/files/')) return files(request, pathname.slice('/files/'.length));
    if (pathname === '/chaos') return chaosRoute(request);
    return api(request);
  };
  setReady();

  // No scheduler here: heal (stale starts, lost starts, lost webhooks) every second.
  const healer = setInterval(() => {
    runner.heal().catch((error) => log(`heal: ${toJobGateError(error).message}`));
  }, 1_000);
  // The simulated RunningHub reports a video task's progress (as its websocket would).
  const progress = setInterval(() => {
    for (const task of simulator.tasks.values()) {
      const jobId = chaos.jobOfTask.get(task.taskId);
      if (task.status !== 'RUNNING' || task.webappId !== VIDEO_APP || !jobId) continue;
      const share = Math.min(0.99, (Date.now() - task.createdAt) / timing.videoRunMs);
      runner
        .applyUpdate(jobId, { state: 'running', progress: Math.round(share * 100) / 100 })
        .catch(() => {});
    }
  }, 1_000);

  return {
    url,
    timing,
    filesDir,
    clientDir: distDir,
    runner,
    chaos,
    store,
    async close() {
      clearInterval(healer);
      clearInterval(progress);
      runner.close?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await simulator.close();
      await store.close();
    },
  };
}
