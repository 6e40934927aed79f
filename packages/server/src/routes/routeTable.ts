import { activeJob } from './activeJob.js';
import { cancelJob } from './cancelJob.js';
import { cancelSession } from './cancelSession.js';
import { createJob } from './createJob.js';
import { getJob } from './getJob.js';
import { heal } from './heal.js';
import { jobEvents } from './jobEvents.js';
import { jobFiles } from './jobFiles.js';
import { queue } from './queue.js';
import { quote } from './quote.js';
import type { Access, Route } from './routeContext.js';
import { slots } from './slots.js';
import { webhook } from './webhook.js';

const route = <A extends Access>(
  method: Route['method'],
  pattern: RegExp,
  access: A,
  run: Route<A>['run'],
  readOnly = method === 'GET',
): Route => ({ method, pattern, access, run, readOnly }) as Route;

/** Every route of the API, in matching order (fixed paths before `/jobs/:id`). */
export const routeTable: readonly Route[] = [
  route('POST', /^\/jobs$/, 'user', createJob),
  route('GET', /^\/jobs\/active$/, 'user', activeJob),
  route('POST', /^\/jobs\/cancel-session$/, 'user', cancelSession),
  route('GET', /^\/jobs\/([^/]+)\/events$/, 'user', jobEvents),
  route('GET', /^\/jobs\/([^/]+)\/files$/, 'user', jobFiles),
  route('POST', /^\/jobs\/([^/]+)\/cancel$/, 'user', cancelJob),
  route('GET', /^\/jobs\/([^/]+)$/, 'user', getJob),
  route('POST', /^\/quote$/, 'user', quote, true),
  route('GET', /^\/slots$/, 'user', slots),
  route('GET', /^\/queue$/, 'signedIn', queue),
  route('POST', /^\/webhooks\/([^/]+)\/([^/]+)$/, 'public', webhook),
  route('POST', /^\/heal$/, 'service', heal),
  /** @deprecated The old path of `POST /heal`. */
  route('POST', /^\/maintenance$/, 'service', heal),
];
