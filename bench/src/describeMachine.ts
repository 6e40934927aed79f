import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import IORedis from 'ioredis';
import { withSql } from './sqlAdmin.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  redis: string;
  /** 1-minute load average when the run started (other work on the machine skews figures). */
  loadAverage: number;
  /** The commit measured, with "+ local changes" when jobgate's packages differ from it. */
  source: string;
}

/** The checkout's commit, and whether packages/core or packages/postgres have local changes. */
function sourceRevision(): string {
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync(
      'git',
      ['status', '--porcelain', '--', 'packages/core', 'packages/postgres'],
      { cwd, encoding: 'utf8' },
    ).trim();
    return dirty ? `${commit} + local changes in packages/core or packages/postgres` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

async function postgresVersion(url: string): Promise<string> {
  try {
    return await withSql(url, async (sql) => {
      const [row] = await sql<{ server_version: string }[]>`show server_version`;
      return row?.server_version ?? 'unknown';
    });
  } catch (error) {
    return `unreachable (${error instanceof Error ? error.message : String(error)})`;
  }
}

async function redisVersion(url: string): Promise<string> {
  const redis = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch (error) {
    return `unreachable (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    redis.disconnect();
  }
}

export async function describeMachine(databaseUrl: string, redisUrl: string): Promise<MachineInfo> {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    postgres: await postgresVersion(databaseUrl),
    redis: await redisVersion(redisUrl),
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    source: sourceRevision(),
  };
}
