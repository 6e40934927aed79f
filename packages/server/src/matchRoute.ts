import { JobGateError } from '@jobgate/core';
import type { Route } from './routes/routeContext.js';

/**
 * The route for a method and path (HEAD is served as GET), with its parameters decoded.
 * NOT_FOUND for an unknown path, and for a known path with another method.
 */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: string[] } {
  const wanted = method === 'HEAD' ? 'GET' : method;
  let pathKnown = false;
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    pathKnown = true;
    if (route.method === wanted) return { route, params: m.slice(1).map(safeDecode) };
  }
  throw new JobGateError(
    'NOT_FOUND',
    pathKnown ? `${method} is not allowed here` : 'no such route',
  );
}

/** `jobgate/` → `/jobgate`; empty for no base path. */
export function normaliseBase(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** The path under the base path; a path outside it matches no route. */
export function stripBase(pathname: string, base: string): string {
  let path = pathname.replace(/\/+$/, '') || '/';
  if (base !== '') {
    if (path !== base && !path.startsWith(`${base}/`)) return '\u0000';
    path = path.slice(base.length) || '/';
  }
  return path;
}

function safeDecode(segment: string | undefined): string {
  if (segment === undefined) return '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
