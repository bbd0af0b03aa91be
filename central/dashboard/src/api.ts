import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../src/server/router.ts';

/** Every answer of the API, by procedure, as the server declares it. */
export type Outputs = inferRouterOutputs<AppRouter>;
export type Session = Outputs['auth']['me'];

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

export const api = createTRPCClient<AppRouter>({
  links: [httpBatchLink({ url: '/trpc', headers: () => ({ 'x-zra-csrf': csrf }) })],
});

/** The tRPC error code of a failure (`UNAUTHORIZED`, `FORBIDDEN`, …), if it came from the API. */
export function errorCode(err: unknown): string | undefined {
  return err instanceof TRPCClientError
    ? (err as TRPCClientError<AppRouter>).data?.code
    : undefined;
}

/** A failure in words for a person: the server's messages already say what to do. */
export function errorText(err: unknown): string {
  if (err instanceof TRPCClientError) {
    const code = errorCode(err);
    if (code === 'BAD_REQUEST' && err.message.startsWith('[')) return fieldProblems(err.message);
    if (!code) return 'Central cannot be reached. Check the network and try again.';
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** zod's issues (the JSON message of a BAD_REQUEST) as one sentence per field. */
function fieldProblems(message: string): string {
  try {
    const issues = JSON.parse(message) as { path?: unknown[]; message?: string }[];
    const parts = issues.map((i) => {
      const field = (i.path ?? []).join('.');
      return field ? `${field}: ${i.message ?? 'not valid'}` : (i.message ?? 'not valid');
    });
    return `Please check: ${parts.join('; ')}.`;
  } catch {
    return 'Some fields are not valid: check them and try again.';
  }
}
