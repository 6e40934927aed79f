import { randomUUID } from 'node:crypto';
import { describeWith, limitsOf } from '@jobgate/testkit';
import { createClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withNodeRealtime } from '../node.js';
import { SupabaseStore } from '../supabaseStore.js';
import {
  anonKey,
  createSupabaseTestDb,
  SUPABASE_URL,
  type SupabaseTestDb,
  serviceKey,
  userToken,
} from './supabaseTestDb.js';

describeWith(
  'postgres',
  'SupabaseStore reads through the SQL read functions; a user client under RLS through the view',
  () => {
    let db: SupabaseTestDb;
    const limits = limitsOf({ defaultPoolCap: 1 });
    const now = Date.UTC(2026, 1, 1);
    const newJob = (id: string, userId: string, pool = 'default') => ({
      id,
      userId,
      pool,
      tool: 'upscaler',
      input: {},
      userCreditCost: 1,
    });
    /** A store whose client records the PostgREST paths it asks for. */
    const recorded = async (token: string) => {
      const paths: string[] = [];
      const options = withNodeRealtime({
        global: {
          fetch: (input, init) => {
            paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
            return db.fetch(input, init);
          },
          headers: { Authorization: `Bearer ${token}` },
        },
        auth: { persistSession: false, autoRefreshToken: false },
      });
      const client = createClient(SUPABASE_URL, await anonKey(), options);
      return { store: new SupabaseStore({ client, clock: 'caller' }), paths };
    };

    beforeAll(async () => {
      db = await createSupabaseTestDb();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('the service role calls jobgate_get, jobgate_list and jobgate_find_active; a user reads the same jobs in the same order from the view', async () => {
      const alice = randomUUID();
      const service = await recorded(await serviceKey());
      // Same created_at for all three: the order is the row order of reads.sql.
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      for (const id of ids) {
        await service.store.create(newJob(id, alice), { maxActivePerUser: 5, now });
      }
      service.paths.length = 0;
      const viaSql = {
        get: await service.store.get(ids[1]!),
        list: await service.store.list({ userId: alice }),
        active: await service.store.findActive(alice),
      };
      expect(service.paths).toEqual([
        '/rest/v1/rpc/jobgate_get',
        '/rest/v1/rpc/jobgate_list',
        '/rest/v1/rpc/jobgate_find_active',
      ]);
      const user = await recorded(await userToken(alice));
      const viaView = {
        get: await user.store.get(ids[1]!),
        list: await user.store.list({ userId: alice }),
        active: await user.store.findActive(alice),
      };
      expect(viaView).toEqual(viaSql);
      expect(viaSql.list.map((j) => j.id)).toEqual(ids);
      expect(viaSql.active?.id).toBe(ids[0]);
      // Each of the user's reads: the refused function first, then the view.
      expect(user.paths).toEqual([
        '/rest/v1/rpc/jobgate_get',
        '/rest/v1/jobgate_jobs_view',
        '/rest/v1/rpc/jobgate_list',
        '/rest/v1/jobgate_jobs_view',
        '/rest/v1/rpc/jobgate_find_active',
        '/rest/v1/jobgate_jobs_view',
      ]);
    });

    it('announces the queues its calls moved by the one rule: not for a job that never queued, once per pool for a heal', async () => {
      const { store } = await recorded(await serviceKey());
      const pool = `p-${randomUUID()}`;
      const job = (id: string) => newJob(id, randomUUID(), pool);
      const moved: string[] = [];
      store.subscribe(
        () => undefined,
        (p) => moved.push(p),
      );
      const starting = randomUUID();
      await store.create(job(starting), { maxActivePerUser: 1, now });
      await store.finish(
        starting,
        { status: 'cancelled', errorCode: 'CANCELLED_BY_USER', errorMessage: 'x' },
        { limits, now },
      );
      expect(moved).toEqual([]);
      for (let i = 0; i < 3; i++) {
        await store.create(job(randomUUID()), { maxActivePerUser: 1, now, start: limits });
      }
      const healed = await store.heal({
        limits,
        now: now + 10_000,
        staleStartMs: 60_000,
        lostStartMs: 60_000,
        maxQueueMs: 1_000,
        pool,
      });
      expect(healed.healed.map((j) => j.status)).toEqual(['failed', 'failed']);
      expect(moved).toEqual([pool]);
    });
  },
);
