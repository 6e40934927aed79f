/**
 * `/functions/v1/{name}/…` → the function served at `functions.get(name)` (Deno), which
 * answers CORS itself; like the edge runtime, it sees the path without /functions/v1.
 */
export function functionsGateway(
  functions: ReadonlyMap<string, string>,
): (request: Request, url: URL) => Promise<Response> {
  return async (request, url) => {
    const [, name = '', ...rest] = url.pathname.slice('/functions/v1'.length).split('/');
    const target = functions.get(name);
    if (!target)
      return withCors(Response.json({ error: `no function "${name}"` }, { status: 404 }));
    const forwarded = new URL(`/${[name, ...rest].join('/')}${url.search}`, target);
    const headers = new Headers(request.headers);
    headers.delete('host');
    headers.delete('content-length');
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    try {
      const response = await fetch(forwarded, {
        method: request.method,
        headers,
        redirect: 'manual',
        signal: request.signal,
        // The body is read whole first (a gateway in front of a function buffers it).
        ...(hasBody ? { body: await request.arrayBuffer() } : {}),
      });
      // Streams (server-sent events) pass through as they come.
      return new Response(response.body, response);
    } catch (error) {
      return withCors(
        Response.json(
          { error: `function "${name}" unreachable: ${String(error)}` },
          { status: 502 },
        ),
      );
    }
  };
}

export function withCors(response: Response): Response {
  const headers = new Headers(response.headers);
  headers.set('access-control-allow-origin', '*');
  headers.set('access-control-allow-headers', '*');
  headers.set('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
  headers.set('access-control-expose-headers', 'content-range, content-type');
  return new Response(response.body, { status: response.status, headers });
}
