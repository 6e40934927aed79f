/** Concurrent submitters per worker process (jobgate's fill, and every system's arriving submits). */
export const SUBMITTERS = 8;

/** Runs `count` tasks with at most `width` at a time. */
export async function inParallel(
  count: number,
  width: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
