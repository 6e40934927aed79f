import { appendFileSync, existsSync } from 'node:fs';
import { describe, it } from 'vitest';

/**
 * The one way a test depends on an outside service. A suite that needs one is declared with
 * `describeWith(service, title, body)`:
 *
 * - the service is there: the suite runs;
 * - it is not: the suite is skipped, and the reason is written to the run's skip log, which
 *   the global setup (`skipReport.ts`) prints once at the end of the run;
 * - it is not, and `JOBGATE_REQUIRE_SERVICES=1` is set (CI sets it): the suite does not skip,
 *   it fails with the reason, so CI can never pass with a service-backed suite left out.
 */
export type ServiceName = 'postgres' | 'pooler' | 'chromium';

export interface Service {
  readonly name: ServiceName;
  readonly available: boolean;
  /** Why it is missing (empty when available). */
  readonly reason: string;
  /** The connection URL or executable path, when available. */
  readonly value: string;
}

export const CHROMIUM_PATH = process.env.JOBGATE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * How every test launches Chromium: headless, and with no background traffic of its own (this
 * machine refuses connections to the outside, and Chromium would retry them at every start).
 */
export const CHROMIUM_LAUNCH: { executablePath: string; args: string[] } = {
  executablePath: CHROMIUM_PATH,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

/** Whether a service is there, and its URL or path. */
export function service(name: ServiceName): Service {
  const env = process.env;
  switch (name) {
    case 'postgres':
      return env.DATABASE_URL
        ? { name, available: true, reason: '', value: env.DATABASE_URL }
        : { name, available: false, reason: 'DATABASE_URL is not set', value: '' };
    case 'pooler':
      if (!env.JOBGATE_POOLER_URL)
        return {
          name,
          available: false,
          reason:
            'JOBGATE_POOLER_URL is not set (a PgBouncer in transaction mode, .ci/pgbouncer.sh)',
          value: '',
        };
      if (!env.DATABASE_URL)
        return { name, available: false, reason: 'DATABASE_URL is not set', value: '' };
      return { name, available: true, reason: '', value: env.JOBGATE_POOLER_URL };
    case 'chromium':
      return existsSync(CHROMIUM_PATH)
        ? { name, available: true, reason: '', value: CHROMIUM_PATH }
        : {
            name,
            available: false,
            reason: `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set JOBGATE_CHROMIUM)`,
            value: '',
          };
  }
}

/** True when a missing service must fail the run instead of skipping (CI). */
function servicesRequired(): boolean {
  return process.env.JOBGATE_REQUIRE_SERVICES === '1';
}

/** Declares a suite that needs every one of `needs`; see the module comment for the rules. */
export function describeWith(
  needs: ServiceName | readonly ServiceName[],
  title: string,
  body: () => void,
): void {
  const missing = (Array.isArray(needs) ? needs : [needs])
    .map((name) => service(name as ServiceName))
    .filter((s) => !s.available);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const reason = missing.map((s) => `${s.name}: ${s.reason}`).join('; ');
  if (servicesRequired()) {
    describe(title, () => {
      it('has the services it needs (JOBGATE_REQUIRE_SERVICES=1)', () => {
        throw new Error(`${title} needs ${reason}`);
      });
    });
    return;
  }
  const log = process.env.JOBGATE_SKIP_LOG;
  if (log) appendFileSync(log, `${JSON.stringify({ title, reason })}\n`);
  describe.skip(title, body);
}
