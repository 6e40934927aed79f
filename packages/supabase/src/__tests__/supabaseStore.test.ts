import { randomUUID } from 'node:crypto';
import { describeStoreConformance, describeWith, limitsOf } from '@jobgate/testkit';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { SupabaseStore } from '../supabaseStore.js';
import {
  anonKey,
  createSupabaseTestDb,
  DATABASE_URL,
  type SupabaseTestDb,
  serviceKey,
  userToken,
} from './supabaseTestDb.js';

if (DATABASE_URL) {
  describeStoreConformance(
    'SupabaseStore (supabase-js → PostgREST subset → PostgreSQL)',
    async () => {
      const db = await createSupabaseTestDb();
      const store = new SupabaseStore({
        client: await db.client(await serviceKey()),
        clock: 'caller',
      });
      return {
        store,
        rows: db.rows,
        insertRow: db.insertRow,
        reset: db.reset,
        close: db.drop,
      };
    },
  );
}

describeWith(
  'postgres',
  'SupabaseStore under RLS: users read only their own jobs, only the service role changes state',
  () => {
    let db: SupabaseTestDb;
    let service: SupabaseStore;
    let asAlice: SupabaseStore;
    let asBob: SupabaseStore;
    let anon: SupabaseStore;
    let alice = randomUUID();
    let bob = randomUUID();
    const limits = limitsOf();
    const now = Date.UTC(2026, 1, 1);
    const newJob = (id: string, userId: string) => ({
      id,
      tool: 'veste-ai',
      userId,
      pool: 'default',
      input: { person: 'p.webp', clothing: 'c.webp' },
      userCreditCost: 60,
    });

    beforeAll(async () => {
      db = await createSupabaseTestDb();
      service = new SupabaseStore({ client: await db.client(await serviceKey()) });
      anon = new SupabaseStore({ client: await db.client(await anonKey()) });
    });
    beforeEach(async () => {
      // Fresh users per test: each has no active job yet.
      alice = randomUUID();
      bob = randomUUID();
      asAlice = new SupabaseStore({ client: await db.client(await userToken(alice)) });
      asBob = new SupabaseStore({ client: await db.client(await userToken(bob)) });
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('reads: own jobs yes, foreign jobs look missing, anon sees nothing', async () => {
      const a = randomUUID();
      const b = randomUUID();
      await service.create(newJob(a, alice), { maxActivePerUser: 1, now });
      await service.start(a, { limits, now });
      await service.create(newJob(b, bob), { maxActivePerUser: 1, now });
      expect((await asAlice.get(a))?.userId).toBe(alice);
      expect(await asAlice.get(b)).toBeNull();
      expect((await asBob.get(b))?.userId).toBe(bob);
      expect(await asBob.get(a)).toBeNull();
      expect((await asAlice.list({})).map((j) => j.id)).toEqual([a]);
      expect(await asAlice.findActive(bob)).toBeNull();
      expect((await asAlice.findActive(alice))?.id).toBe(a);
      await expect(anon.get(a)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      // The service role sees everything.
      expect((await service.list({})).length).toBe(2);
    });

    it('writes: a user cannot cancel, finish or create through the SQL functions, not even their own', async () => {
      const a = randomUUID();
      const b = randomUUID();
      await service.create(newJob(a, alice), { maxActivePerUser: 1, now });
      await service.create(newJob(b, bob), { maxActivePerUser: 1, now });
      const cancel = {
        status: 'cancelled',
        errorCode: 'CANCELLED_BY_USER',
        errorMessage: 'x',
      } as const;
      await expect(asAlice.finish(b, cancel, { limits, now })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await expect(asAlice.finish(a, cancel, { limits, now })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await expect(
        asAlice.create(newJob(randomUUID(), alice), { maxActivePerUser: 5, now }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(
        asAlice.heal({ limits, now, staleStartMs: 0, lostStartMs: 0, maxQueueMs: null }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(asBob.counts('default')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect((await service.get(a))?.status).toBe('starting');
      expect((await service.get(b))?.status).toBe('starting');
      // Direct SQL agrees: the functions are executable by service_role only.
      const grants = await db.sql<{ role: string; can: boolean }[]>`
      select r as role, has_function_privilege(r, 'jobgate_finish(text,text,jsonb,text,text,jsonb,jsonb,bigint,text)', 'execute') as can
        from unnest(array['anon', 'authenticated', 'service_role']) r`;
      expect(grants).toEqual([
        { role: 'anon', can: false },
        { role: 'authenticated', can: false },
        { role: 'service_role', can: true },
      ]);
    });

    it('SQL errors come back typed: ACTIVE_JOB_EXISTS with the job id, CONFLICT for a foreign id', async () => {
      const a = randomUUID();
      await service.create(newJob(a, alice), { maxActivePerUser: 1, now });
      const second = randomUUID();
      await expect(
        service.create(newJob(second, alice), { maxActivePerUser: 1, now }),
      ).rejects.toMatchObject({ code: 'ACTIVE_JOB_EXISTS' });
      await expect(
        service.create(newJob(a, bob), { maxActivePerUser: 1, now }),
      ).rejects.toMatchObject({ code: 'CONFLICT', jobId: a });
    });
  },
);

describeWith('postgres', 'the Supabase migration', () => {
  it('adds the jobs table to supabase_realtime where the publication exists, and is idempotent', async () => {
    const { supabaseMigration } = await import('../supabaseMigration.js');
    const db = await createSupabaseTestDb({ publication: true });
    try {
      await db.sql.unsafe(supabaseMigration());
      const tables = await db.sql<{ tablename: string }[]>`
        select tablename from pg_publication_tables where pubname = 'supabase_realtime'`;
      // Jobs, queue moves, and credit balances for useCredits().
      expect(tables.map((t) => t.tablename).sort()).toEqual([
        'jobgate_credit_balances',
        'jobgate_jobs',
        'jobgate_queue_moves',
      ]);
      const rls = await db.sql<{ relname: string; relrowsecurity: boolean }[]>`
        select relname, relrowsecurity from pg_class
         where relname in ('jobgate_jobs', 'jobgate_rate_limits') order by relname`;
      expect(rls.every((r) => r.relrowsecurity)).toBe(true);
    } finally {
      await db.drop();
    }
  });

  it('applies where there is no publication', async () => {
    const db = await createSupabaseTestDb();
    try {
      const pubs = await db.sql`select 1 from pg_publication where pubname = 'supabase_realtime'`;
      expect(pubs.length).toBe(0);
      const fns = await db.sql<{ n: number }[]>`
        select count(*)::int as n from pg_proc where proname like 'jobgate\\_%'
           and proname <> 'jobgate_queue_place'
           and has_function_privilege('authenticated', oid, 'execute')`;
      // The one exception: the read-only count behind jobgate_jobs_view's position.
      expect(fns[0]?.n).toBe(0);
    } finally {
      await db.drop();
    }
  });
});
