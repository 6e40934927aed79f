/** The demo's users (the server's dev sign-in knows the same names). */
export const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
/** The operator: in the sign-in list like the others, the only one shown the queue and chaos. */
export const OPERATOR = 'olga';
/** Everyone the sign-in offers: the demo users, then the operator. */
export const SIGN_IN = [...USERS, OPERATOR] as const;

/** The bearer token of a demo user: the name is the whole credential (demo only). */
export const devToken = (user: string) => `dev-${user}`;

const KEY = 'jobgate-demo-user';

/** The signed-in user of this tab: `?user=` wins, then this tab's session storage. */
export function currentUser(): string | null {
  const fromUrl = new URLSearchParams(location.search).get('user');
  const user = fromUrl ?? sessionStorage.getItem(KEY);
  return user && (SIGN_IN as readonly string[]).includes(user) ? user : null;
}

export function signIn(user: string | null): void {
  if (user) sessionStorage.setItem(KEY, user);
  else sessionStorage.removeItem(KEY);
  const url = new URL(location.href);
  url.searchParams.delete('user');
  history.replaceState(null, '', url);
}
