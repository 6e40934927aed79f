// Supabase Auth's users table for the local run. On a project, Auth inserts a row into
// auth.users when someone signs up, and the starter's trigger on that insert grants the new
// user's credits (migration 20260201000100_app.sql). The local stand-in of the Supabase APIs
// signs in any e-mail without writing a user anywhere, so here a small table stands in for
// auth.users (made before the migrations, so the same trigger is created on it), and a
// pass-through in front of the stand-in inserts the user's row the first time Auth hands out
// a session for them: the grant runs through the very SQL a project runs.
import { createServer, request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { LocalSupabase } from '@jobgate/supabase/local';

/** auth.users with the columns the trigger reads, where there is no Supabase Auth. */
export const LOCAL_AUTH_USERS = `
create table if not exists auth.users (
  id uuid primary key,
  email text,
  created_at timestamptz not null default now()
);
`;

/** Adds the user's row to the local auth.users (the trigger grants on the first insert only). */
export async function recordUser(
  db: LocalSupabase['db'],
  id: string,
  email: string,
): Promise<void> {
  await db.query(
    'insert into auth.users (id, email) values ($1::uuid, $2) on conflict (id) do nothing',
    [id, email],
  );
}

/** Sign-up and sign-in answers of Auth: both carry the session's user. */
const SESSION_PATH = /^\/auth\/v1\/(signup|token)(\?|$)/;

export interface AuthUsersGate {
  /** The URL to use as `SUPABASE_URL`: everything is passed on to the stand-in. */
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on `port` (127.0.0.1) and passes every request and WebSocket (Realtime) on to the
 * stand-in at `target`, unchanged and streamed (server-sent events, uploads); a session Auth
 * answers with is held until its user is recorded, so the page's first read of its credits
 * already sees the grant.
 */
export async function startAuthUsersGate(options: {
  target: string;
  port: number;
  onUser(id: string, email: string): Promise<void>;
}): Promise<AuthUsersGate> {
  const target = new URL(options.target);
  const upstream = { host: target.hostname, port: Number(target.port) };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const session = req.method === 'POST' && SESSION_PATH.test(req.url ?? '');
    const forward = request(
      { ...upstream, method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        if (!session || answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          const recorded = (async () => {
            const { user } = JSON.parse(body.toString()) as {
              user?: { id?: string; email?: string };
            };
            if (user?.id) await options.onUser(user.id, user.email ?? '');
          })();
          recorded.then(
            () => {
              res.writeHead(200, answer.headers);
              res.end(body);
            },
            (error: unknown) => {
              console.error('recording the signed-in user failed', error);
              res.writeHead(500, { 'content-type': 'application/json' });
              res.end(JSON.stringify({ code: 500, msg: 'the user could not be recorded' }));
            },
          );
        });
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // A client that goes away (a closed event stream) ends the request it made.
    res.on('close', () => {
      if (!res.writableFinished) forward.destroy();
    });
    req.pipe(forward);
  });
  // Realtime's WebSocket: the upgrade request is replayed to the stand-in, then bytes flow.
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    const out = connect(upstream.port, upstream.host, () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      out.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) out.write(head);
      out.pipe(socket);
      socket.pipe(out);
    });
    for (const s of [out, socket]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    out.on('error', () => socket.destroy());
    socket.on('error', () => out.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
