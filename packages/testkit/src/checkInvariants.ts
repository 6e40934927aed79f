import { isTerminal, type Job } from '@jobgate/core';
import { poolCap, type SlotLimits, selectPromotions } from '@jobgate/core/adapter';

/**
 * Checks I1–I4 on raw rows read independently of the store's own methods. Returns the
 * violations (empty when all hold), so a failing test names every broken rule.
 */
export function checkInvariants(rows: readonly Job[], limits: SlotLimits, now: number): string[] {
  const problems: string[] = [];
  const running = rows.filter((j) => j.status === 'running');
  const pools = new Set(rows.map((j) => j.pool));

  // I1: caps hold.
  for (const pool of pools) {
    const n = running.filter((j) => j.pool === pool).length;
    if (n > poolCap(limits, pool))
      problems.push(`I1: ${n} running in pool ${pool} (cap ${poolCap(limits, pool)})`);
  }
  for (const [tool, cap] of Object.entries(limits.toolCaps)) {
    const n = running.filter((j) => j.tool === tool).length;
    if (n > cap) problems.push(`I1: ${n} running of tool ${tool} (cap ${cap})`);
  }
  if (limits.maxRunningPerUser !== null) {
    const perUser = new Map<string, number>();
    for (const j of running) perUser.set(j.userId, (perUser.get(j.userId) ?? 0) + 1);
    for (const [user, n] of perUser)
      if (n > limits.maxRunningPerUser) problems.push(`I1: user ${user} has ${n} running`);
  }

  // I2: queued ⇒ really waiting, positions exactly 1..n, FIFO among never-requeued jobs.
  for (const pool of pools) {
    const queue = rows.filter((j) => j.pool === pool && j.status === 'queued');
    for (const j of queue) {
      if (!j.waitedInQueue) problems.push(`I2: queued job ${j.id} has waited_in_queue=false`);
      if (j.position === null) problems.push(`I2: queued job ${j.id} has no position`);
      if (j.queuedAt === null) problems.push(`I2: queued job ${j.id} has no queued_at`);
    }
    const positions = queue.map((j) => j.position ?? 0).sort((a, b) => a - b);
    if (positions.some((p, i) => p !== i + 1))
      problems.push(`I2: positions in pool ${pool} are ${positions.join(',')}`);
    const ordered = [...queue]
      .sort((a, b) => (a.position ?? 0) - (b.position ?? 0))
      .filter((j) => j.attempts === 0);
    for (let i = 1; i < ordered.length; i++) {
      if ((ordered[i - 1]!.queuedAt ?? '') > (ordered[i]!.queuedAt ?? '')) {
        problems.push(`I2: queue of ${pool} is not FIFO at position ${ordered[i]!.position}`);
      }
    }
    // I3: no slot idles while a queued job could take it.
    const inOrder = [...queue].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    const claimable = selectPromotions(inOrder, running, limits, now);
    if (claimable.length > 0)
      problems.push(`I3: ${claimable.length} queued job(s) in ${pool} could run but wait`);
  }

  // I4: terminal rows are complete; others are not.
  for (const j of rows) {
    if (j.status !== 'queued' && j.position !== null)
      problems.push(`I4: ${j.status} job ${j.id} keeps position ${j.position}`);
    if (isTerminal(j.status)) {
      if (j.completedAt === null) problems.push(`I4: terminal job ${j.id} has no completed_at`);
      if (j.status !== 'completed') {
        if (!j.errorCode) problems.push(`I4: ${j.status} job ${j.id} has no error_code`);
        if (!j.errorMessage?.startsWith(`${j.errorCode}: `))
          problems.push(`I4: job ${j.id} error_message is not "CODE: text"`);
      }
    } else if (j.completedAt !== null) {
      problems.push(`I4: active job ${j.id} has completed_at`);
    }
    if (j.status === 'running' && j.startedAt === null)
      problems.push(`I4: running job ${j.id} has no started_at`);
  }
  return problems;
}
