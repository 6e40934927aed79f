import { JobGateError } from '@jobgate/core';
import { describeWith, type StoreHarness } from '@jobgate/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../postgresStore.js';
import { sqlErrorToJobGateError } from '../sqlError.js';
import { cases, limits, newJob, T0 } from './badInputCases.js';
import { pgliteHarness, serverHarness } from './pgHarness.js';

function describeBadInput(name: string, factory: () => Promise<StoreHarness>): void {
  describe(`bad input to every SQL function: ${name}`, () => {
    let h: StoreHarness;
    beforeAll(async () => {
      h = await factory();
      const s = h.store;
      const opts = { maxActivePerUser: 1, now: T0 };
      await s.create(newJob('run', 'u-run'), opts);
      await s.start('run', { limits, now: T0 });
      await s.attachTask('run', 'T-run', T0);
      await s.create(newJob('que', 'u-que'), opts);
      await s.start('que', { limits, now: T0 });
      await s.create(newJob('sta', 'u-sta'), opts);
      await s.createFailed(
        newJob('done', 'u-done'),
        { errorCode: 'VALIDATION', errorMessage: 'VALIDATION: x' },
        T0,
      );
    });
    afterAll(async () => {
      await h?.close();
    });

    it('sets up a running, a queued, a starting and a terminal job', async () => {
      expect((await h.rows()).map((j) => `${j.id}:${j.status}`)).toEqual([
        'run:running',
        'que:queued',
        'sta:starting',
        'done:failed',
      ]);
    });

    it.each(cases)('%s → %s, nothing changed', async (_label, code, call) => {
      const before = await h.rows();
      const error = await call(h.store).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(JobGateError);
      expect((error as JobGateError).code).toBe(code);
      expect((error as JobGateError).message.length).toBeGreaterThan(5);
      expect(await h.rows()).toEqual(before);
    });

    it('names the active job of ACTIVE_JOB_EXISTS and the job of NOT_FOUND', async () => {
      const active = await h.store
        .create(newJob('n9', 'u-run'), { maxActivePerUser: 1, now: T0 })
        .catch((e: JobGateError) => e);
      expect(active).toMatchObject({ code: 'ACTIVE_JOB_EXISTS', jobId: 'run' });
      expect((active as JobGateError).details).toEqual({
        activeJobId: 'run',
        activeStatus: 'running',
      });
      const missing = await h.store
        .get('nope')
        .then(() => h.store.start('nope', { limits, now: T0 }).catch((e: JobGateError) => e));
      expect(missing).toMatchObject({ code: 'NOT_FOUND', jobId: 'nope' });
    });

    it('refuses to decide under REPEATABLE READ (a snapshot older than the lock)', async () => {
      const store = h.store as PostgresStore;
      const before = await h.rows();
      const q = `"${store.schema}"`;
      for (const call of [
        `SELECT ${q}.jobgate_start(p_id => 'sta', p_limits => '{"defaultPoolCap":3}', p_now => ${T0})`,
        `SELECT ${q}.jobgate_create(p_id => 'rr', p_tool => 't', p_user_id => 'rr', p_pool => 'default', p_input => '{}', p_user_credit_cost => 1, p_max_active => 1, p_now => ${T0})`,
      ]) {
        const error = await store.client
          .transaction(async (tx) => {
            await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
            await tx.query(call);
          })
          .then(
            () => undefined,
            (e: unknown) => sqlErrorToJobGateError(e),
          );
        expect(error).toMatchObject({ code: 'INTERNAL' });
        expect(error?.message).toContain('READ COMMITTED');
      }
      expect(await h.rows()).toEqual(before);
    });

    it('turns other database errors into STORAGE_ERROR with the cause kept', async () => {
      const store = h.store as PostgresStore;
      const elsewhere = new PostgresStore(store.client, {
        schema: 'jg_not_migrated',
        closeClient: false,
      });
      const error = await elsewhere.get('x').catch((e: JobGateError) => e);
      expect(error).toBeInstanceOf(JobGateError);
      expect((error as JobGateError).code).toBe('STORAGE_ERROR');
      expect((error as JobGateError).cause).toBeInstanceOf(Error);
    });
  });
}

describeBadInput('PGlite', pgliteHarness);
describeWith('postgres', 'server', () => {
  describeBadInput('PostgreSQL', () => serverHarness());
});
