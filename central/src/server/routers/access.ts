import { auditLogInputSchema, listAudit } from '../../users/audit-log.ts';
import {
  endSessions,
  endSessionsInputSchema,
  resetPassword,
  resetPasswordInputSchema,
} from '../../users/user-access.ts';
import { adminProcedure, alone, router } from '../trpc.ts';

/**
 * Taking access away, and seeing who changed what: merged into `admin` (router.ts). Like every
 * admin mutation these are written to the audit log (passwords never).
 */
export const accessRouter = router({
  /** Sets a user's password and ends all their sessions; `{ username, sessionsEnded }`. */
  resetPassword: adminProcedure
    .use(alone)
    .input(resetPasswordInputSchema)
    .mutation(async ({ ctx, input }) => {
      const done = await resetPassword(ctx.pool, input);
      ctx.log.info({ changed: done.username, sessionsEnded: done.sessionsEnded }, 'password reset');
      return done;
    }),
  /** Ends every session of a user (the admin's own current one stays); `{ username, sessionsEnded }`. */
  endSessions: adminProcedure.input(endSessionsInputSchema).mutation(async ({ ctx, input }) => {
    const done = await endSessions(ctx.pool, input.username, ctx.sessionId);
    ctx.log.info({ user: done.username, sessionsEnded: done.sessionsEnded }, 'sessions ended');
    return done;
  }),
  /** The admin actions, newest first: `{ entries: AuditEntry[], nextCursor }`. */
  auditLog: adminProcedure
    .input(auditLogInputSchema)
    .query(({ ctx, input }) => listAudit(ctx.pool, input)),
});
