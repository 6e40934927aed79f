import { randomUUID } from 'node:crypto';
import { DEFAULT_POOL } from '@jobgate/core';
import { createSlotPolicy } from '@jobgate/core/adapter';
import { migrate, PostgresStore, postgresJsClient } from '@jobgate/postgres';
import postgres from 'postgres';
import { gapStats, median } from './analyzeRun.js';
import { benchNow } from './benchClock.js';
import { dropSchema } from './sqlAdmin.js';

export interface FinishCost {
  /** Jobs waiting in the queue during the samples (refilled at the tail after each one). */
  queued: number;
  samples: number;
  /** Time of one `jobgate_finish` transaction, BEGIN to COMMIT, as the client sees it (ms). */
  p50Ms: number;
  p95Ms: number;
  /** Rows the call updated (pg_stat_xact_user_tables): the finished job and the promoted one. */
  rowsUpdatedPerFinish: number;
  /** p50 of the next `samples` finishes with the NOTIFY trigger disabled in the probe's schema. */
  p50MsWithoutNotify: number;
  /** Reference: a transaction updating one row (no trigger), BEGIN to COMMIT: the commit's own cost. */
  p50MsOneRowUpdate: number;
}

const LIMITS = createSlotPolicy({ globalCap: 3 }).limits;

/**
 * How the cost of one finish (end a running job, release, promote the queue head) grows with
 * the queue: for each queue length, fills a fresh schema, then times `samples` finishes, each
 * in its own transaction, reading how many rows it updated; after each, one job joins the
 * tail (untimed), so the queue keeps its length.
 */
export async function probeFinishCost(
  databaseUrl: string,
  queueLengths: readonly number[],
  samples = 25,
): Promise<FinishCost[]> {
  const results: FinishCost[] = [];
  for (const queued of queueLengths) {
    const schema = `bench_probe_${Date.now().toString(36)}_${queued}`;
    const sql = postgres(databaseUrl, { max: 8, prepare: false, onnotice: () => undefined });
    try {
      const client = postgresJsClient(sql);
      await migrate(client, { schema });
      const store = new PostgresStore(client, { schema, closeClient: false });
      const now = () => Date.now();
      const place = async () => {
        const id = randomUUID();
        await store.create(
          {
            id,
            tool: 'bench',
            userId: randomUUID(),
            pool: DEFAULT_POOL,
            input: {},
            userCreditCost: 0,
          },
          { maxActivePerUser: 1, now: now() },
        );
        return (await store.start(id, { limits: LIMITS, now: now() })).job;
      };
      const running: string[] = [];
      for (let i = 0; i < 3; i++) running.push((await place()).id);
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < queued) {
            next++;
            await place();
          }
        }),
      );
      await sql.unsafe(`ANALYZE "${schema}".jobgate_jobs`);
      const measure = async (n: number): Promise<{ times: number[]; rows: number[] }> => {
        const times: number[] = [];
        const rows: number[] = [];
        for (let i = 0; i < n; i++) {
          const id = running.shift()!;
          // Timed from BEGIN to COMMIT (the commit writes the NOTIFYs and the WAL), minus the two
          // statistics reads.
          let statMs = 0;
          const t0 = benchNow();
          await sql.begin(async (tx) => {
            // pg_stat_xact_* also holds counts not yet flushed from earlier transactions of this
            // session: the difference around the call is this finish's own.
            const updated = async () => {
              const s0 = benchNow();
              const [stat] = await tx.unsafe(
                `SELECT coalesce(sum(n_tup_upd), 0)::int AS upd FROM pg_stat_xact_user_tables WHERE schemaname = $1 AND relname = 'jobgate_jobs'`,
                [schema],
              );
              statMs += benchNow() - s0;
              return Number(stat?.['upd'] ?? 0);
            };
            const before = await updated();
            const [r] = await tx.unsafe(
              `SELECT "${schema}".jobgate_finish(p_id => $1::text, p_status => 'completed', p_output => NULL, p_error_code => NULL, p_error_message => NULL, p_from => '["running"]'::jsonb, p_limits => $2::text::jsonb, p_now => NULL) AS r`,
              [id, JSON.stringify(LIMITS)],
            );
            rows.push((await updated()) - before);
            const result = r?.['r'] as { promoted: { id: string }[] } | undefined;
            for (const p of result?.promoted ?? []) running.push(p.id);
          });
          times.push(benchNow() - t0 - statMs);
          await place();
        }
        return { times, rows };
      };
      const withNotify = await measure(samples);
      await sql.unsafe(`ALTER TABLE "${schema}".jobgate_jobs DISABLE TRIGGER jobgate_jobs_notify`);
      const withoutNotify = await measure(samples);
      const oneRow: number[] = [];
      for (let i = 0; i < samples; i++) {
        const t0 = benchNow();
        await sql.begin((tx) =>
          tx.unsafe(
            `UPDATE "${schema}".jobgate_jobs SET updated_at = updated_at WHERE id = (SELECT id FROM "${schema}".jobgate_jobs WHERE status = 'completed' LIMIT 1)`,
          ),
        );
        oneRow.push(benchNow() - t0);
      }
      results.push({
        queued,
        samples,
        p50Ms: gapStats(withNotify.times).p50,
        p95Ms: gapStats(withNotify.times).p95,
        rowsUpdatedPerFinish: median(withNotify.rows),
        p50MsWithoutNotify: gapStats(withoutNotify.times).p50,
        p50MsOneRowUpdate: gapStats(oneRow).p50,
      });
    } finally {
      await sql.end({ timeout: 5 });
      await dropSchema(databaseUrl, schema);
    }
  }
  return results;
}
