import { randomUUID } from 'node:crypto';
import { JobGateError } from '@jobgate/core';
import { jobRecord } from '@jobgate/core/adapter';
import { PostgresBilling, postgresJsClient } from '@jobgate/postgres';
import { describeBillingConformance, describeWith, testJobId } from '@jobgate/testkit';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fakePostgrest, inTransaction } from '../local/fakePostgrest.js';
import { supabaseCreditSource } from '../supabaseCreditSource.js';
import {
  anonKey,
  createSupabaseTestDb,
  JWT_SECRET,
  SUPABASE_URL,
  type SupabaseTestDb,
  serviceKey,
  userToken,
} from './supabaseTestDb.js';

const CREDIT_TABLES = [
  'jobgate_credit_balances',
  'jobgate_credit_ledger',
  'jobgate_provider_costs',
];

/** supabase-js against the PostgREST subset, with the credit tables readable by GET. */
function clientOf(db: SupabaseTestDb) {
  const fetch = fakePostgrest({
    client: postgresJsClient(db.sql),
    jwtSecret: JWT_SECRET,
    tables: ['jobgate_jobs', 'jobgate_jobs_view', ...CREDIT_TABLES],
  });
  return async (token: string): Promise<SupabaseClient> =>
    createClient(SUPABASE_URL, await anonKey(), {
      global: { fetch, headers: { Authorization: `Bearer ${token}` } },
      auth: { persistSession: false, autoRefreshToken: false },
      realtime: { transport: NoWebSocket as never },
    });
}

/** Realtime is not used here; a stub keeps supabase-js from needing a WebSocket. */
class NoWebSocket {
  constructor() {
    throw new Error('no WebSocket in this test');
  }
}

describeWith('postgres', 'the Supabase path', () => {
  describeBillingConformance(
    'PostgresBilling through Supabase (service-role supabase-js .rpc)',
    async () => {
      const db = await createSupabaseTestDb();
      const service = await clientOf(db)(await serviceKey());
      return {
        ledger: async (buckets) => new PostgresBilling(service, { buckets }),
        // Even the service role cannot rewrite the ledger: no grant for it, and the trigger.
        tamper: async () => {
          for (const statement of [
            'update jobgate_credit_ledger set amount = 0',
            'delete from jobgate_credit_ledger',
            'truncate jobgate_credit_ledger',
          ]) {
            const outcome = await inTransaction(
              postgresJsClient(db.sql),
              'service_role',
              { role: 'service_role' },
              (tx) => tx.exec(statement),
            ).then(
              () => 'accepted',
              (error: { code?: string }) => error.code,
            );
            if (outcome !== '42501') throw new Error(`${statement}: ${outcome}`);
          }
          throw new JobGateError('FORBIDDEN', 'every rewrite was refused');
        },
        close: db.drop,
      };
    },
    { tamper: true },
  );
});

describeWith(
  'postgres',
  'Supabase credits: the ledger functions are the service role’s only',
  () => {
    let db: SupabaseTestDb;
    let client: (token: string) => Promise<SupabaseClient>;
    let service: PostgresBilling;
    const alice = randomUUID();
    const bob = randomUUID();

    beforeAll(async () => {
      db = await createSupabaseTestDb();
      client = clientOf(db);
      service = new PostgresBilling(await client(await serviceKey()));
      await service.grant(alice, 'monthly', 30);
      await service.grant(alice, 'lifetime', 100);
      await service.grant(bob, 'lifetime', 7);
      const job = jobRecord(
        {
          id: testJobId(),
          tool: 'upscaler',
          userId: alice,
          pool: 'default',
          input: {},
          userCreditCost: 40,
        },
        Date.now(),
      );
      await service.charge(job);
    }, 30_000);
    afterAll(async () => {
      await db?.drop();
    });

    const calls: Array<[string, Record<string, unknown>]> = [
      ['jobgate_credits_grant', { p_user_id: 'x', p_bucket: 'lifetime', p_amount: 1000 }],
      ['jobgate_credits_adjust', { p_user_id: 'x', p_bucket: 'lifetime', p_delta: 1000 }],
      [
        'jobgate_credits_charge',
        { p_job_id: 'j', p_user_id: 'x', p_amount: 1, p_buckets: ['lifetime'] },
      ],
      ['jobgate_credits_refund', { p_job_id: 'j', p_user_id: 'x' }],
      ['jobgate_credits_balance', { p_user_id: 'x' }],
      ['jobgate_credits_ledger', { p_user_id: 'x' }],
      [
        'jobgate_credits_record_cost',
        { p_job_id: 'j', p_user_id: 'x', p_tool: 't', p_cost: 1, p_unit: 'coins' },
      ],
    ];

    it('refuses every credit function to a signed-in user and to anon', async () => {
      for (const token of [await userToken(alice), await anonKey()]) {
        const supabase = await client(token);
        for (const [fn, args] of calls) {
          const { data, error } = await supabase.rpc(fn, { ...args, p_user_id: alice });
          expect({ fn, data, code: error?.code }).toEqual({ fn, data: null, code: '42501' });
        }
      }
      // …and through PostgresBilling the refusal is a typed FORBIDDEN.
      const asAlice = new PostgresBilling(await client(await userToken(alice)));
      const refused = (await asAlice
        .grant(alice, 'lifetime', 1000)
        .catch((e) => e)) as JobGateError;
      expect(refused.code).toBe('FORBIDDEN');
      expect((await service.balance(alice)).total).toBe(90);
    });

    it('lets a user read their own balance and ledger, and nobody else’s', async () => {
      const supabase = await client(await userToken(alice));
      const balances = await supabase
        .from('jobgate_credit_balances')
        .select('user_id,bucket,amount');
      expect(balances.error).toBeNull();
      expect(
        (balances.data ?? []).map((r) => [r.user_id, r.bucket, Number(r.amount)]).sort(),
      ).toEqual([
        [alice, 'lifetime', 90],
        [alice, 'monthly', 0],
      ]);
      const ledger = await supabase.from('jobgate_credit_ledger').select('user_id,kind,amount');
      expect(ledger.error).toBeNull();
      expect((ledger.data ?? []).map((r) => r.kind).sort()).toEqual(['charge', 'grant', 'grant']);
      expect(new Set((ledger.data ?? []).map((r) => r.user_id))).toEqual(new Set([alice]));
      // Bob's rows are invisible even when asked for by id.
      const foreign = await supabase.from('jobgate_credit_balances').select('*').eq('user_id', bob);
      expect(foreign.data).toEqual([]);
      // anon sees nothing at all; provider costs are for the service role only.
      const anon = await client(await anonKey());
      expect((await anon.from('jobgate_credit_balances').select('*')).error?.code).toBe('42501');
      expect((await supabase.from('jobgate_provider_costs').select('*')).error?.code).toBe('42501');
    });

    it('supabaseCreditSource reads the signed-in user’s balance through RLS and follows Realtime', async () => {
      const supabase = await client(await userToken(alice));
      expect(await supabaseCreditSource(supabase, { userId: alice }).read()).toEqual({
        userId: alice,
        total: 90,
        buckets: { lifetime: 90, monthly: 0 },
      });
      // Asking for someone else's balance with one's own token shows nothing of it.
      expect((await supabaseCreditSource(supabase, { userId: bob }).read()).total).toBe(0);
      // The subscription: postgres_changes on the balances, filtered to the user.
      const bindings: unknown[] = [];
      let removed = 0;
      const channel = {
        on: (_type: string, filter: unknown, _cb: () => void) => {
          bindings.push(filter);
          return channel;
        },
        subscribe: () => channel,
      };
      const stop = supabaseCreditSource(
        {
          schema: supabase.schema.bind(supabase),
          channel: () => channel as never,
          removeChannel: async () => {
            removed++;
            return 'ok' as const;
          },
        },
        { userId: alice },
      ).subscribe(() => undefined);
      expect(bindings).toEqual([
        {
          event: '*',
          schema: 'public',
          table: 'jobgate_credit_balances',
          filter: `user_id=eq.${alice}`,
        },
      ]);
      stop();
      expect(removed).toBe(1);
    });

    it('lets no user write the credit tables, not even their own rows', async () => {
      const attempts = [
        `insert into jobgate_credit_balances (user_id, bucket, amount) values ('${alice}', 'lifetime', 1000)`,
        `update jobgate_credit_balances set amount = 1000 where user_id = '${alice}'`,
        `delete from jobgate_credit_balances where user_id = '${alice}'`,
        `insert into jobgate_credit_ledger (user_id, kind, amounts, amount) values ('${alice}', 'grant', '{"lifetime": 1000}', 1000)`,
        `update jobgate_credit_ledger set amount = 0 where user_id = '${alice}'`,
        `delete from jobgate_credit_ledger where user_id = '${alice}'`,
        `insert into jobgate_provider_costs (job_id, user_id, tool, cost, unit) values ('j', '${alice}', 't', 0, 'coins')`,
        'select * from jobgate_credit_margin',
      ];
      for (const role of ['authenticated', 'anon']) {
        for (const statement of attempts) {
          const outcome = await inTransaction(
            postgresJsClient(db.sql),
            role,
            { sub: alice, role },
            (tx) => tx.exec(statement),
          ).then(
            () => 'accepted',
            (error: { code?: string }) => error.code,
          );
          expect({ role, statement, outcome }).toEqual({ role, statement, outcome: '42501' });
        }
      }
      expect((await service.balance(alice)).total).toBe(90);
    });
  },
);
