import { TRPCError } from '@trpc/server';
import { sessionViewSchema } from '../../dashboard/dashboard-outputs.ts';
import { changePassword } from '../../users/user-store.ts';
import {
  changePasswordInputSchema,
  loginInputSchema,
  type SessionView,
} from '../../users/auth-schemas.ts';
import { clearedSessionCookie, sessionCookie } from '../../users/cookies.ts';
import { isKnownDevice, knownDeviceCookie, rememberDevice } from '../../users/known-devices.ts';
import { passwordProblem } from '../../users/password-policy.ts';
import { login, logout, WRONG_LOGIN_MESSAGE } from '../../users/session-store.ts';
import { alone, CSRF_MESSAGE, publicProcedure, router, userProcedure } from '../trpc.ts';

/**
 * Dashboard sign-in: a session in an HttpOnly, SameSite=Strict cookie (docs/central.md). Every
 * `auth.*` call comes in a request of its own (`alone`): one request, one password check.
 */
export const authRouter = router({
  /** Checks the password and sets the session cookie; wrong or unknown → UNAUTHORIZED. */
  login: publicProcedure
    .use(alone)
    .input(loginInputSchema)
    .output(sessionViewSchema)
    .mutation(async ({ ctx, input }) => {
      // No session yet, so no token to match; a header at all is what another site cannot send.
      if (!ctx.csrfHeader) throw new TRPCError({ code: 'FORBIDDEN', message: CSRF_MESSAGE });
      // Every limit is applied before scrypt runs: a refused attempt costs central nothing.
      await ctx.loginThrottle.admit({
        source: ctx.remoteAddress,
        username: input.username,
        knownDevice: () => isKnownDevice(ctx.pool, ctx.deviceId, input.username),
      });
      const session = await login(
        ctx.pool,
        input.username,
        input.password,
        ctx.settings.sessionTtlMs,
      );
      if (!session) {
        ctx.loginThrottle.failed(input.username);
        ctx.log.info(
          { username: input.username.slice(0, 128), source: ctx.remoteAddress },
          'login refused',
        );
        throw new TRPCError({ code: 'UNAUTHORIZED', message: WRONG_LOGIN_MESSAGE });
      }
      ctx.setCookie(
        sessionCookie(session.id, ctx.settings.sessionTtlMs, ctx.settings.cookieSecure),
      );
      // This browser proved the password: later sign-ins from it skip the limits strangers spend.
      const device = await rememberDevice(ctx.pool, session.user.id, ctx.deviceId);
      ctx.setCookie(knownDeviceCookie(device, ctx.settings.cookieSecure));
      ctx.log.info({ user: session.user.username, source: ctx.remoteAddress }, 'signed in');
      // The session id is in the HttpOnly cookie only, never in a body a script could read.
      const view: SessionView = {
        user: session.user,
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt,
      };
      return view;
    }),
  /** Ends the session (server side, at once) and clears the cookie. */
  logout: userProcedure.use(alone).mutation(async ({ ctx }) => {
    await logout(ctx.pool, ctx.sessionId);
    ctx.setCookie(clearedSessionCookie(ctx.settings.cookieSecure));
    return { ok: true as const };
  }),
  /** Changes the signed-in user's password; their other sessions end, this one stays. */
  changePassword: userProcedure
    .use(alone)
    .input(changePasswordInputSchema)
    .mutation(async ({ ctx, input }) => {
      // The schema cannot see the username; the username is the first guess for this account.
      const weak = passwordProblem(input.newPassword, ctx.user.username);
      if (weak) throw new TRPCError({ code: 'BAD_REQUEST', message: weak });
      // A stolen session must not be a way around the login throttle to guess the password;
      // the session is this user's own browser, so strangers' guessing does not block it.
      await ctx.loginThrottle.admit({
        source: ctx.remoteAddress,
        username: ctx.user.username,
        knownDevice: () => Promise.resolve(true),
      });
      const changed = await changePassword(
        ctx.pool,
        ctx.user.id,
        input.currentPassword,
        input.newPassword,
        ctx.sessionId,
      );
      if (!changed) {
        ctx.loginThrottle.failed(ctx.user.username);
        throw new TRPCError({ code: 'FORBIDDEN', message: 'the current password is wrong' });
      }
      ctx.log.info('password changed; other sessions ended');
      return { ok: true as const };
    }),
  /** Who is signed in, and the CSRF token (e.g. after a page reload). */
  me: userProcedure
    .use(alone)
    .output(sessionViewSchema)
    .query(({ ctx }): SessionView => ctx.session),
});
