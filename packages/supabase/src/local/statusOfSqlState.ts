/** An error as the database driver reports it. */
export interface PgError {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
}

/** PostgREST's documented SQLSTATE → HTTP status table (docs.postgrest.org, "Errors"). */
export function statusOfSqlState(code: string, role: string): number {
  const table: Array<[RegExp, number]> = [
    [/^PGRST100$/, 400],
    [/^08/, 503],
    [/^09/, 500],
    [/^0L/, 403],
    [/^0P/, 403],
    [/^2350[35]$/, 409],
    [/^25006$/, 405],
    [/^25/, 500],
    [/^28/, 403],
    [/^2D/, 500],
    [/^3[89]/, 500],
    [/^3B/, 500],
    [/^40/, 500],
    [/^53400$/, 500],
    [/^53/, 503],
    [/^5[4578]/, 500],
    [/^F0/, 500],
    [/^HV/, 500],
    [/^P0001$/, 400],
    [/^P0/, 500],
    [/^XX/, 500],
    [/^42883$/, 404],
    [/^42P01$/, 404],
    [/^42P17$/, 500],
  ];
  // 42501 insufficient privileges: 401 without a user (anon), 403 for an authenticated role.
  if (code === '42501') return role === 'anon' ? 401 : 403;
  for (const [pattern, status] of table) if (pattern.test(code)) return status;
  return 400;
}

export function pgError(e: PgError, role: string): Response {
  const code = e.code ?? '';
  return json(statusOfSqlState(code, role), {
    code,
    details: e.detail ?? null,
    hint: e.hint ?? null,
    message: e.message ?? 'error',
  });
}

export function error(status: number, code: string, message: string, hint: string | null = null) {
  return json(status, { code, details: null, hint, message });
}

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
