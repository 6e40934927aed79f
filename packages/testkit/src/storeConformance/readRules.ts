import { describe, expect, it, vi } from 'vitest';
import { testJobId } from '../storeHarness.js';
import type { ConformanceContext } from './conformanceContext.js';

/** Reads, credit states and change notifications. */
export function readRules(t: ConformanceContext): void {
  const { submit, row, invariants, limits } = t;
  describe('reads, credits, subscriptions', () => {
    it('finds the active job of a user, lists and counts', async () => {
      const a = await submit({ userId: 'reader' });
      expect((await t.store.findActive('reader'))?.id).toBe(a.id);
      expect(await t.store.findActive('nobody')).toBeNull();
      expect((await t.store.list({ userId: 'reader' })).map((j) => j.id)).toEqual([a.id]);
      expect(await t.store.list({ userId: 'reader', status: ['completed'] })).toEqual([]);
      expect(await t.store.get(a.id)).toEqual(await row(a.id));
      expect(await t.store.get(testJobId())).toBeNull();
    });

    it('lists by credit state (the refunds healing still owes)', async () => {
      const owed = await submit();
      const paid = await submit();
      for (const j of [owed, paid]) {
        await t.store.setCreditState(j.id, 'none', 'charged', t.now);
        await t.store.finish(
          j.id,
          { status: 'failed', errorCode: 'INTERNAL', errorMessage: 'INTERNAL: x' },
          { limits, now: t.now },
        );
      }
      await t.store.setCreditState(paid.id, 'charged', 'refunded', t.now);
      const found = await t.store.list({ status: ['failed', 'cancelled'], creditState: 'charged' });
      expect(found.map((j) => j.id)).toEqual([owed.id]);
      expect(await t.store.list({ creditState: 'refunded', limit: 5 })).toHaveLength(1);
    });

    it('changes the credit state by compare-and-set only', async () => {
      const a = await submit();
      expect(await t.store.setCreditState(a.id, 'none', 'charged', t.now)).toBe(true);
      expect(await t.store.setCreditState(a.id, 'none', 'charged', t.now)).toBe(false);
      expect(await t.store.setCreditState(a.id, 'charged', 'refunded', t.now)).toBe(true);
      expect(await t.store.setCreditState(a.id, 'charged', 'refunded', t.now)).toBe(false);
      expect((await row(a.id))?.creditState).toBe('refunded');
    });

    it('notifies subscribers of changes with id, status and user', async () => {
      const seen: string[] = [];
      const stop = t.store.subscribe((c) => seen.push(`${c.id}:${c.status}:${c.userId}`));
      const a = await submit({ userId: 'watcher' });
      await t.store.finish(a.id, { status: 'completed' }, { limits, now: t.now });
      await vi.waitFor(() => expect(seen).toContain(`${a.id}:completed:watcher`), {
        timeout: 5_000,
      });
      expect(seen).toContain(`${a.id}:running:watcher`);
      stop();
      const count = seen.length;
      await submit();
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.length).toBe(count);
    });

    it('sends one "queue moved" per promotion, none when a job joins the tail; positions are read, not written', async () => {
      const running = [await submit(), await submit(), await submit()];
      const queued = [await submit(), await submit(), await submit()];
      const moved: string[] = [];
      const changed: string[] = [];
      const stop = t.store.subscribe(
        (c) => changed.push(`${c.id}:${c.status}`),
        (pool) => moved.push(pool),
      );
      const tail = await submit();
      expect(tail).toMatchObject({ status: 'queued', position: 4 });
      await vi.waitFor(() => expect(changed).toContain(`${tail.id}:queued`), { timeout: 5_000 });
      expect(moved).toEqual([]);
      // Notices arrive in commit order: once the tail's is in, none of the earlier ones is
      // still on its way. Count only what the finish causes.
      changed.length = 0;
      const { promoted } = await t.store.finish(
        running[0]!.id,
        { status: 'completed' },
        { limits, now: t.now },
      );
      expect(promoted.map((j) => j.id)).toEqual([queued[0]!.id]);
      await vi.waitFor(() => expect(moved).toEqual(['default']), { timeout: 5_000 });
      // Only the finished and the promoted job changed; the three behind just moved up.
      await vi.waitFor(() => expect(changed).toContain(`${queued[0]!.id}:running`), {
        timeout: 5_000,
      });
      const behind = [queued[1]!.id, queued[2]!.id, tail.id];
      expect(changed.filter((c) => behind.includes(c.split(':')[0]!))).toEqual([]);
      expect(
        await Promise.all(
          [queued[1]!, queued[2]!, tail].map(async (j) => (await t.store.get(j.id))?.position),
        ),
      ).toEqual([1, 2, 3]);
      stop();
      await invariants();
    });
  });
}
