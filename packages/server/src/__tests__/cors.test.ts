import { describe, expect, it } from 'vitest';
import { setup, TOKENS } from './harness.js';

describe('CORS', () => {
  it('answers preflights and puts CORS headers on every answer, errors included', async () => {
    const { handler } = setup({ cors: { origin: ['https://app.example'] } });
    const preflight = await handler(
      new Request('https://api.example.test/jobs', {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const denied = await handler(
      new Request('https://api.example.test/jobs', {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example' },
      }),
    );
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    const error = await handler(
      new Request('https://api.example.test/jobs/active', {
        headers: { origin: 'https://app.example' },
      }),
    );
    expect(error.status).toBe(401);
    expect(error.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(await error.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it('serves under a base path (a Supabase function named jobgate)', async () => {
    const { handler } = setup({ basePath: '/jobgate' });
    const ok = await handler(
      new Request('https://x.test/jobgate/jobs/active', {
        headers: { authorization: `Bearer ${TOKENS.alice}` },
      }),
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    const outside = await handler(
      new Request('https://x.test/jobs/active', {
        headers: { authorization: `Bearer ${TOKENS.alice}` },
      }),
    );
    expect(outside.status).toBe(404);
  });
});
