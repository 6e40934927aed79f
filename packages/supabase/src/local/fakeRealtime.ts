import type { AddressInfo } from 'node:net';
import type { SqlClient } from '@jobgate/postgres';
import { type WebSocket, WebSocketServer } from 'ws';
import { inTransaction, verify } from './fakePostgrest.js';

/**
 * A local stand-in for Supabase Realtime, for development and tests (Phoenix protocol,
 * serializer 2.0.0, JSON frames):
 * `phx_join` with `postgres_changes` bindings, heartbeats, `phx_leave`, and change messages.
 * Changes come from the jobs table's NOTIFY trigger; each row is read under the subscriber's
 * JWT role with its claims, so RLS decides what a subscriber receives, as on Supabase.
 */
export async function fakeRealtime(options: {
  client: SqlClient;
  jwtSecret: string;
  channel: string;
  table: string;
  /** Serve on this HTTP server (its port); default a server of its own on a free port. */
  server?: import('node:http').Server;
}) {
  interface Binding {
    id: number;
    event: string;
    schema: string;
    table: string;
    filter?: string;
  }
  interface Sub {
    socket: WebSocket;
    topic: string;
    joinRef: string;
    bindings: Binding[];
    claims: Record<string, unknown>;
  }
  const subs = new Set<Sub>();
  let nextId = 1;
  const path = '/realtime/v1/websocket';
  const wss = options.server
    ? new WebSocketServer({ server: options.server, path })
    : new WebSocketServer({ port: 0, host: '127.0.0.1', path });
  if (!options.server) await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const send = (socket: WebSocket, msg: unknown[]) => socket.send(JSON.stringify(msg));

  wss.on('connection', (socket) => {
    socket.on('message', async (raw) => {
      const [joinRef, ref, topic, event, payload] = JSON.parse(String(raw)) as [
        string | null,
        string | null,
        string,
        string,
        Record<string, unknown>,
      ];
      if (event === 'heartbeat') {
        send(socket, [null, ref, 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
      } else if (event === 'phx_join') {
        const token = String(payload.access_token ?? '');
        const claims = await verify(
          new Request('http://x', { headers: { authorization: `Bearer ${token}` } }),
          options.jwtSecret,
        );
        if (claims instanceof Response) {
          send(socket, [
            joinRef,
            ref,
            topic,
            'phx_reply',
            { status: 'error', response: { reason: 'invalid JWT' } },
          ]);
          return;
        }
        const config = payload.config as { postgres_changes?: Omit<Binding, 'id'>[] };
        const bindings = (config.postgres_changes ?? []).map((b) => ({ ...b, id: nextId++ }));
        subs.add({ socket, topic, joinRef: joinRef ?? '', bindings, claims });
        send(socket, [
          joinRef,
          ref,
          topic,
          'phx_reply',
          { status: 'ok', response: { postgres_changes: bindings } },
        ]);
      } else if (event === 'phx_leave') {
        for (const sub of subs) if (sub.socket === socket && sub.topic === topic) subs.delete(sub);
        send(socket, [joinRef, ref, topic, 'phx_reply', { status: 'ok', response: {} }]);
      } else if (event === 'access_token') {
        // A refreshed token: the subscription now runs under its claims.
        const claims = await verify(
          new Request('http://x', {
            headers: { authorization: `Bearer ${String(payload.access_token ?? '')}` },
          }),
          options.jwtSecret,
        );
        for (const sub of subs) {
          if (sub.socket === socket && sub.topic === topic && !(claims instanceof Response))
            sub.claims = claims;
        }
      } else if (ref !== null) {
        send(socket, [joinRef, ref, topic, 'phx_reply', { status: 'ok', response: {} }]);
      }
    });
    socket.on('close', () => {
      for (const sub of subs) if (sub.socket === socket) subs.delete(sub);
    });
  });

  const deliveries: Array<{ topic: string; id: string }> = [];
  if (!options.client.capabilities.listen)
    throw new Error('the Realtime stand-in needs a client that can LISTEN');
  const unlisten = await options.client.listen(options.channel, async (raw) => {
    // A job's change {id,…}, or a pool's "queue moved" {pool, queue} (the per-pool row of
    // jobgate_queue_moves, as Realtime would carry it from the publication).
    const change = JSON.parse(raw) as { id?: string; pool?: string; queue?: string };
    const queue = change.queue !== undefined;
    const table = queue ? 'jobgate_queue_moves' : options.table;
    const key = queue ? `pool=eq.${change.pool}` : `id=eq.${change.id}`;
    for (const sub of [...subs]) {
      const role = String(sub.claims.role ?? 'anon');
      // The row as this subscriber may see it: RLS under the subscriber's role and claims.
      const rows = await inTransaction(options.client, role, sub.claims, (tx) =>
        queue
          ? tx.query('select to_jsonb(m) as row from jobgate_queue_moves m where m.pool = $1', [
              change.pool!,
            ])
          : tx.query(`select to_jsonb(j) as row from ${options.table} j where j.id = $1`, [
              change.id!,
            ]),
      ).catch(() => []);
      const row = (rows[0] as { row?: Record<string, unknown> } | undefined)?.row;
      if (!row) continue;
      const ids = sub.bindings
        .filter((b) => (b.table ?? options.table) === table && (!b.filter || b.filter === key))
        .map((b) => b.id);
      if (ids.length === 0) continue;
      deliveries.push({ topic: sub.topic, id: queue ? `queue:${change.pool}` : change.id! });
      send(sub.socket, [
        null,
        null,
        sub.topic,
        'postgres_changes',
        {
          ids,
          data: {
            type: 'UPDATE',
            schema: 'public',
            table,
            commit_timestamp: new Date().toISOString(),
            columns: [],
            record: row,
            old_record: queue ? { pool: change.pool } : { id: change.id },
            errors: null,
          },
        },
      ]);
    }
  });

  return {
    url: options.server ? '' : `http://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    deliveries,
    subscribers: () => subs.size,
    async close() {
      await unlisten();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
