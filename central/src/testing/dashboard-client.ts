import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '../server/router.ts';

/** A dashboard session as a browser holds it: the cookie jar and the CSRF token. */
export interface DashboardSession {
  client: TRPCClient<AppRouter>;
  /** The session cookie as sent (`zra_session=…`), or null before login / after logout. */
  cookie(): string | null;
  /** Every cookie the browser holds (`a=1; b=2`, e.g. with the known-device cookie), or null. */
  cookies(): string | null;
  /** Replaces the CSRF token sent with mutations (tests of a forged request). */
  setCsrf(token: string | null): void;
  /** Signs in and remembers the CSRF token for later mutations. */
  login(username: string, password: string): Promise<void>;
}

/**
 * A tRPC client that behaves like the dashboard in a browser: keeps the `Set-Cookie` session
 * cookie and sends it back, and sends `x-zra-csrf` (the session's token, or `login` before
 * there is one) with every request.
 */
export function createDashboardClient(baseUrl: string): DashboardSession {
  // name → value, as a browser's jar (paths ignored: this client only calls central).
  const jar = new Map<string, string>();
  const cookieHeader = () =>
    jar.size === 0 ? null : [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  let csrf: string | null = 'login';
  const client = createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${baseUrl}/trpc`,
        headers: () => ({
          ...(jar.size > 0 ? { cookie: cookieHeader() as string } : {}),
          ...(csrf ? { 'x-zra-csrf': csrf } : {}),
        }),
        fetch: async (url, init) => {
          const res = await fetch(url, init);
          for (const set of res.headers.getSetCookie()) {
            const pair = set.split(';')[0] ?? '';
            const eq = pair.indexOf('=');
            const name = pair.slice(0, eq);
            const value = pair.slice(eq + 1);
            if (value === '') jar.delete(name);
            else jar.set(name, value);
          }
          return res;
        },
      }),
    ],
  });
  return {
    client,
    cookie: () => {
      const session = jar.get('zra_session');
      return session === undefined ? null : `zra_session=${session}`;
    },
    cookies: cookieHeader,
    setCsrf(token) {
      csrf = token;
    },
    async login(username, password) {
      const session = await client.auth.login.mutate({ username, password });
      csrf = session.csrfToken;
    },
  };
}
