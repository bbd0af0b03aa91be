import { createTRPCClient, httpBatchLink, httpLink, splitLink } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import { errorCode, errorText } from '@zra/ui';
import type { AppRouter } from '../../src/server/router.ts';

/** Every answer of the API, by procedure, as the server declares it. */
export type Outputs = inferRouterOutputs<AppRouter>;
export type Session = Outputs['auth']['me'];

/** The session's user, as every screen needs it (admins see the buttons that change things). */
export interface Viewer {
  username: string;
  role: 'admin' | 'viewer';
}

/**
 * The CSRF token of the session (`login` before there is one). It lives only in memory and in
 * this tab's sessionStorage: the session cookie itself is httpOnly and never seen by scripts.
 */
let csrf = sessionStorage.getItem('zra-csrf') ?? 'login';

export function rememberSession(session: Session | null): void {
  csrf = session?.csrfToken ?? 'login';
  if (session) sessionStorage.setItem('zra-csrf', session.csrfToken);
  else sessionStorage.removeItem('zra-csrf');
}

/** Whether this tab signed in before (a reload asks `auth.me` only then, so no 401 on a fresh visit). */
export function maybeSignedIn(): boolean {
  return csrf !== 'login';
}

const headers = () => ({ 'x-zra-csrf': csrf });

/**
 * Calls that check or set a password, which central refuses inside a batch of several: they
 * go in a request of their own, never joined with a page's refresh that fired in the same tick.
 */
const alone = (path: string) => path.startsWith('auth.') || path === 'admin.resetPassword';

export const api = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => alone(op.path),
      true: httpLink({ url: '/trpc', headers }),
      false: httpBatchLink({ url: '/trpc', headers }),
    }),
  ],
});

export { errorCode };

/** Listeners told when a call comes back UNAUTHORIZED (the session ended). */
const signedOut = new Set<() => void>();
export function onSignedOut(listener: () => void): () => void {
  signedOut.add(listener);
  return () => signedOut.delete(listener);
}

/**
 * The dashboard's words for a failure (the toolkit's errorText, naming central); an
 * UNAUTHORIZED answer also returns the app to the login form.
 */
export function describeFailure(err: unknown): string {
  if (errorCode(err) === 'UNAUTHORIZED') for (const l of signedOut) l();
  return errorText(err, {
    service: 'central',
    unreachable: 'Check the network connection; the page tries again by itself.',
  });
}
