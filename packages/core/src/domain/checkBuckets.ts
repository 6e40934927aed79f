import { JobGateError } from './errors.js';

/** The buckets a ledger spends when none are configured: the monthly allowance first. */
export const DEFAULT_BUCKETS: readonly string[] = Object.freeze(['monthly', 'lifetime']);
// The SQL ledger (jobgate_credits_check_bucket) refuses the same names, so a ledger can move
// from memory to PostgreSQL without renaming a bucket.
const BUCKET = /^[a-z][a-z0-9_]{0,31}$/;

/** Checks an ordered bucket list (non-empty, distinct names of a-z, 0-9 and _). */
export function checkBuckets(buckets: readonly string[]): readonly string[] {
  if (
    buckets.length === 0 ||
    new Set(buckets).size !== buckets.length ||
    !buckets.every((b) => BUCKET.test(b))
  ) {
    throw new JobGateError(
      'VALIDATION',
      `buckets must be distinct names matching ${BUCKET}, at least one (got ${JSON.stringify(buckets)})`,
    );
  }
  return Object.freeze([...buckets]);
}

/** Checks one bucket name (the rule of {@link checkBuckets}). */
export function checkBucket(bucket: string): void {
  if (!BUCKET.test(bucket)) {
    throw new JobGateError('VALIDATION', `bucket "${bucket}" must match ${BUCKET}`, {
      details: { bucket },
    });
  }
}
