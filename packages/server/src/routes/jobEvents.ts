import { jobEventStream } from '../jobEventStream.js';
import type { RouteContext } from './routeContext.js';

/**
 * `GET /jobs/:id/events`: server-sent events of the caller's own job (see jobEventStream),
 * within the open-stream caps (OpenStreams) and a lifetime after which the client reconnects.
 */
export async function jobEvents(ctx: RouteContext<'user'>): Promise<Response> {
  await ctx.limit('events');
  const jobId = ctx.jobId();
  const job = await ctx.runner.get(jobId, ctx.caller.userId);
  const { events, streams } = ctx.options;
  const stream = jobEventStream({
    runner: ctx.runner,
    job,
    signal: ctx.request.signal,
    maxLifetimeMs: streams.limits.maxLifetimeMs,
    register: (close) => streams.open(ctx.caller.userId, job.id, close),
    ...(events?.pingMs === undefined ? {} : { pingMs: events.pingMs }),
    ...(events?.pollMs === undefined ? {} : { pollMs: events.pollMs }),
  });
  return new Response(stream, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
}
