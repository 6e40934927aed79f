import type { IncomingMessage } from 'node:http';
import { runningHubCodeInfo } from './runningHubCodes.js';

/** One answer of the simulated API: a RunningHub envelope, or a bare HTTP error as text. */
export interface SimAnswer {
  httpStatus: number;
  body: unknown;
}

/** RunningHub's `msg` for a code: its documented name (`success` for 0). */
export function codeName(code: number): string {
  if (code === 0) return 'success';
  return runningHubCodeInfo(code)?.name ?? 'UNKNOWN_ERROR';
}

export function answerOk(data: unknown): SimAnswer {
  return { httpStatus: 200, body: { code: 0, msg: 'success', data } };
}

/** RunningHub answers its own errors with HTTP 200 and a non-zero code. */
export function answerCode(code: number, data: unknown = null, msg?: string): SimAnswer {
  return { httpStatus: 200, body: { code, msg: msg ?? codeName(code), data } };
}

/** The keys the simulated account accepts, and the code it answers for any other. */
export interface SimAccount {
  keys: ReadonlySet<string>;
  badKeyCode: number;
}

export function isAccountKey(account: SimAccount, key: unknown): key is string {
  return typeof key === 'string' && account.keys.has(key);
}

/** The key of a `Bearer` header, which RunningHub accepts when the body has none. */
export function bearerKey(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}
