import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '../server/router.ts';

/** A dashboard session as a browser holds it: the cookie jar and the CSRF token. */
export interface DashboardSession {
  client: TRPCClient<AppRouter>;
  /** The session cookie as sent (`zra_session=…`), or null before login / after logout. */
  cookie(): string | null;
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
  let cookie: string | null = null;
  let csrf: string | null = 'login';
  const client = createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${baseUrl}/trpc`,
        headers: () => ({
          ...(cookie ? { cookie } : {}),
          ...(csrf ? { 'x-zra-csrf': csrf } : {}),
        }),
        fetch: async (url, init) => {
          const res = await fetch(url, init);
          for (const set of res.headers.getSetCookie()) {
            const pair = set.split(';')[0] ?? '';
            cookie = pair.endsWith('=') ? null : pair;
          }
          return res;
        },
      }),
    ],
  });
  return {
    client,
    cookie: () => cookie,
    setCsrf(token) {
      csrf = token;
    },
    async login(username, password) {
      const session = await client.auth.login.mutate({ username, password });
      csrf = session.csrfToken;
    },
  };
}
