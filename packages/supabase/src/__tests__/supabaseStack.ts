import { JobRunner } from '@jobgate/core';
import { MemoryFileStorage, SimulatedProvider } from '@jobgate/core/testing';
import { tools, uploadSampleInput } from '@jobgate/example-tools';
import { postgresJsClient } from '@jobgate/postgres';
import { counterRateLimiter, createJobHandler } from '@jobgate/server';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { fakeRealtime } from '../local/fakeRealtime.js';
import { withNodeRealtime } from '../node.js';
import { supabaseJwtAuthenticator } from '../supabaseJwtAuthenticator.js';
import { supabaseRateCounter } from '../supabaseRateCounter.js';
import { SupabaseStore } from '../supabaseStore.js';
import {
  anonKey,
  createSupabaseTestDb,
  JWT_SECRET,
  serviceKey,
  userToken,
} from './supabaseTestDb.js';

export const WEBHOOK_SECRET = 'stack-webhook-secret-0123456789';

/**
 * The whole Supabase shape on real parts: browsers use real supabase-js (functions.invoke,
 * Realtime over a WebSocket, RLS selects), the function runs createJobHandler over a
 * SupabaseStore (service role, rpc), all on PostgreSQL with Supabase's roles.
 * Each call makes a fresh database; `close` ends it all.
 */
export async function startSupabaseStack() {
  const db = await createSupabaseTestDb();
  // A failed start must not leave its database behind: nobody would close it.
  const realtime = await fakeRealtime({
    client: postgresJsClient(db.sql),
    jwtSecret: JWT_SECRET,
    channel: 'jobgate_jobs',
    table: 'jobgate_jobs',
  }).catch(async (error: unknown) => {
    await db.drop();
    throw error;
  });
  const serviceClient = await db.client(await serviceKey());
  const store = new SupabaseStore({ client: serviceClient });
  // The app's files (what browsers upload, the results): in memory, Storage is not the subject here.
  const storage = new MemoryFileStorage();
  const runner = new JobRunner({
    store,
    provider: new SimulatedProvider({ startLatencyMs: [0, 0], durationMs: [9e6, 9e6] }),
    tools,
    storage,
    webhook: { baseUrl: 'http://function.test/jobgate', secret: WEBHOOK_SECRET },
    random: () => 0.5,
  });
  const handler = createJobHandler({
    runner,
    auth: supabaseJwtAuthenticator({ jwtSecret: JWT_SECRET }),
    // The per-user limit kept in the database, reached through supabase-js (.rpc).
    rateLimiter: counterRateLimiter(supabaseRateCounter(serviceClient)),
    basePath: '/jobgate',
  });
  const projectFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.pathname.startsWith('/functions/v1/')) {
      url.pathname = url.pathname.slice('/functions/v1'.length);
      return handler(new Request(url, request));
    }
    return db.fetch(request);
  }) as typeof fetch;

  const browser = async (userId: string): Promise<SupabaseClient> => {
    const token = await userToken(userId);
    return createClient(realtime.url, await anonKey(), {
      global: { fetch: projectFetch },
      accessToken: async () => token,
      ...withNodeRealtime(),
    });
  };

  /** A submit of `tool` for a user, its files uploaded for the job first (as a browser does). */
  const request = <T extends (typeof tools)[number]['id']>(tool: T, userId: string) => {
    const jobId = crypto.randomUUID();
    return { jobId, tool, input: uploadSampleInput(storage, tool, { userId, jobId }) };
  };

  const finishAll = async () => {
    for (const job of await runner.store.list({ status: ['starting', 'queued', 'running'] })) {
      await runner.cancel({ jobId: job.id, userId: job.userId, confirm: true });
    }
  };

  const close = async () => {
    runner.close();
    await realtime.close();
    await db.drop();
  };

  return {
    db,
    realtime,
    runner,
    storage,
    request,
    handler,
    projectFetch,
    browser,
    finishAll,
    close,
  };
}

export type SupabaseStack = Awaited<ReturnType<typeof startSupabaseStack>>;
