import { TRPCError } from '@trpc/server';
import { RateLimitedError, type TokenBucketLimiter } from '../../ingest/rate-limiter.ts';
import { sessionViewSchema } from '../../dashboard/dashboard-outputs.ts';
import { changePassword } from '../../users/user-store.ts';
import {
  changePasswordInputSchema,
  loginInputSchema,
  type SessionView,
} from '../../users/auth-schemas.ts';
import { clearedSessionCookie, sessionCookie } from '../../users/cookies.ts';
import { login, logout, WRONG_LOGIN_MESSAGE } from '../../users/session-store.ts';
import { CSRF_MESSAGE, publicProcedure, router, userProcedure } from '../trpc.ts';

/** Takes a password attempt from the limiter, or answers TOO_MANY_REQUESTS with the wait. */
function throttle(limiter: TokenBucketLimiter, key: string): void {
  try {
    limiter.take(key);
  } catch (err) {
    if (!(err instanceof RateLimitedError)) throw err;
    throw new TRPCError({
      code: 'TOO_MANY_REQUESTS',
      message: `too many sign-in attempts: wait ${Math.ceil(err.retryAfterMs / 1000)} s and try again`,
      cause: err,
    });
  }
}

/** Dashboard sign-in: a session in an HttpOnly, SameSite=Strict cookie (docs/central.md). */
export const authRouter = router({
  /** Checks the password and sets the session cookie; wrong or unknown → UNAUTHORIZED. */
  login: publicProcedure
    .input(loginInputSchema)
    .output(sessionViewSchema)
    .mutation(async ({ ctx, input }) => {
      // No session yet, so no token to match; a header at all is what another site cannot send.
      if (!ctx.csrfHeader) throw new TRPCError({ code: 'FORBIDDEN', message: CSRF_MESSAGE });
      try {
        ctx.loginLimiter.take(`${ctx.remoteAddress}|${input.username.trim().toLowerCase()}`);
      } catch (err) {
        if (!(err instanceof RateLimitedError)) throw err;
        throw new TRPCError({
          code: 'TOO_MANY_REQUESTS',
          message: `too many sign-in attempts: wait ${Math.ceil(err.retryAfterMs / 1000)} s and try again`,
          cause: err,
        });
      }
      const session = await login(
        ctx.pool,
        input.username,
        input.password,
        ctx.settings.sessionTtlMs,
      );
      if (!session) {
        ctx.log.info({ username: input.username.slice(0, 128) }, 'login refused');
        throw new TRPCError({ code: 'UNAUTHORIZED', message: WRONG_LOGIN_MESSAGE });
      }
      ctx.setCookie(
        sessionCookie(session.id, ctx.settings.sessionTtlMs, ctx.settings.cookieSecure),
      );
      ctx.log.info({ user: session.user.username }, 'signed in');
      // The session id is in the HttpOnly cookie only, never in a body a script could read.
      const view: SessionView = {
        user: session.user,
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt,
      };
      return view;
    }),
  /** Ends the session (server side, at once) and clears the cookie. */
  logout: userProcedure.mutation(async ({ ctx }) => {
    await logout(ctx.pool, ctx.sessionId);
    ctx.setCookie(clearedSessionCookie(ctx.settings.cookieSecure));
    return { ok: true as const };
  }),
  /** Changes the signed-in user's password; their other sessions end, this one stays. */
  changePassword: userProcedure
    .input(changePasswordInputSchema)
    .mutation(async ({ ctx, input }) => {
      // A stolen session must not be a way around the login throttle to guess the password.
      throttle(ctx.loginLimiter, `${ctx.remoteAddress}|${ctx.user.username}`);
      const changed = await changePassword(
        ctx.pool,
        ctx.user.id,
        input.currentPassword,
        input.newPassword,
        ctx.sessionId,
      );
      if (!changed) {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'the current password is wrong' });
      }
      ctx.log.info('password changed; other sessions ended');
      return { ok: true as const };
    }),
  /** Who is signed in, and the CSRF token (e.g. after a page reload). */
  me: userProcedure.output(sessionViewSchema).query(({ ctx }): SessionView => ctx.session),
});
