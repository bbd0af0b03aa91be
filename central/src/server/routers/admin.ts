import { TRPCError } from '@trpc/server';
import { adminInputs } from '../../admin/admin-schemas.ts';
import { deletePark, ParkAdminError, setParkDisabled } from '../../admin/park-admin.ts';
import { ReportRetryError, retryReport } from '../../admin/report-retry.ts';
import { BatchRetryError, retryBatch } from '../../batches/batch-retry.ts';
import {
  createPark,
  createParkToken,
  ParkExistsError,
  ParkNotFoundError,
  renameRide,
  revokeParkTokenById,
  setOpeningHours,
} from '../../parks/park-store.ts';
import { ReportRequestError, requestReport } from '../../reports/report-store.ts';
import {
  addReportRule,
  deleteReportRule,
  setReportRuleEnabled,
} from '../../scheduler/report-rules.ts';
import {
  createUser,
  deleteUser,
  listUsers,
  setUserDisabled,
  setUserRole,
  UserError,
} from '../../users/user-store.ts';
import { adminProcedure, router } from '../trpc.ts';

/** Turns the domain's errors into tRPC codes a client can act on; the message is kept. */
function asTrpcError(err: unknown): unknown {
  if (err instanceof ParkExistsError)
    return new TRPCError({ code: 'CONFLICT', message: err.message });
  if (err instanceof ParkNotFoundError || err instanceof ReportRequestError) {
    return new TRPCError({ code: 'NOT_FOUND', message: err.message });
  }
  if (err instanceof ParkAdminError) {
    return new TRPCError({ code: 'PRECONDITION_FAILED', message: err.message });
  }
  if (err instanceof UserError) {
    const code = {
      exists: 'CONFLICT',
      not_found: 'NOT_FOUND',
      last_admin: 'PRECONDITION_FAILED',
      self: 'PRECONDITION_FAILED',
    } as const;
    return new TRPCError({ code: code[err.reason], message: err.message });
  }
  if (err instanceof BatchRetryError) {
    const missing = err.message.startsWith('there is no batch');
    return new TRPCError({
      code: missing ? 'NOT_FOUND' : 'PRECONDITION_FAILED',
      message: err.message,
    });
  }
  if (err instanceof ReportRetryError) {
    return new TRPCError({
      code: err.missing ? 'NOT_FOUND' : 'PRECONDITION_FAILED',
      message: err.message,
    });
  }
  return err;
}

async function mapped<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw asTrpcError(err);
  }
}

/** What admins change; a viewer gets FORBIDDEN, a mutation without `x-zra-csrf` too. */
export const adminRouter = router({
  /** Creates a park and its first token; the token is in this answer only. */
  createPark: adminProcedure.input(adminInputs.createPark).mutation(async ({ ctx, input }) => {
    const { park, token } = await mapped(createPark(ctx.pool, input));
    ctx.log.info({ park: park.id }, 'park created');
    return { park, token };
  }),
  /** Replaces a park's opening hours (park-local); later reports measure completeness by them. */
  setOpeningHours: adminProcedure
    .input(adminInputs.setOpeningHours)
    .mutation(async ({ ctx, input }) => {
      const set = await mapped(setOpeningHours(ctx.pool, input.park, input.openingHours));
      ctx.log.info(set, 'park opening hours set');
      return set;
    }),
  renameRide: adminProcedure
    .input(adminInputs.renameRide)
    .mutation(({ ctx, input }) => mapped(renameRide(ctx.pool, input.park, input.ride, input.name))),
  /** A new token for a park (rotation: revoke the old one once the agent uses this one). */
  createParkToken: adminProcedure
    .input(adminInputs.createParkToken)
    .mutation(async ({ ctx, input }) => {
      const created = await mapped(createParkToken(ctx.pool, input.park, input.label));
      ctx.log.info({ park: input.park, tokenId: created.tokenId }, 'park token created');
      return { park: input.park, ...created };
    }),
  revokeParkToken: adminProcedure
    .input(adminInputs.revokeParkToken)
    .mutation(async ({ ctx, input }) => {
      const revoked = await mapped(revokeParkTokenById(ctx.pool, input.tokenId));
      ctx.log.info(revoked, 'park token revoked');
      return revoked;
    }),
  /** Disabled: data kept and shown, tokens refused, rules not fired. */
  setParkDisabled: adminProcedure
    .input(adminInputs.setParkDisabled)
    .mutation(async ({ ctx, input }) => {
      const set = await mapped(setParkDisabled(ctx.pool, input.park, input.disabled));
      ctx.log.info(set, input.disabled ? 'park disabled' : 'park enabled');
      return set;
    }),
  /** Only a park that never sent data (PRECONDITION_FAILED otherwise: disable it). */
  deletePark: adminProcedure.input(adminInputs.deletePark).mutation(async ({ ctx, input }) => {
    await mapped(deletePark(ctx.pool, input.park));
    ctx.log.info({ park: input.park }, 'park deleted');
    return { park: input.park };
  }),
  users: adminProcedure.query(async ({ ctx }) => ({ users: await listUsers(ctx.pool) })),
  createUser: adminProcedure.input(adminInputs.createUser).mutation(async ({ ctx, input }) => {
    const user = await mapped(createUser(ctx.pool, input));
    ctx.log.info({ created: user.username, role: user.role }, 'user created');
    return user;
  }),
  setUserRole: adminProcedure.input(adminInputs.setUserRole).mutation(async ({ ctx, input }) => {
    const user = await mapped(setUserRole(ctx.pool, input.username, input.role));
    ctx.log.info({ changed: user.username, role: user.role }, 'user role changed');
    return user;
  }),
  /** A disabled user cannot sign in; their sessions end at once. Not oneself, not the last admin. */
  setUserDisabled: adminProcedure
    .input(adminInputs.setUserDisabled)
    .mutation(async ({ ctx, input }) => {
      const user = await mapped(
        setUserDisabled(ctx.pool, input.username, input.disabled, ctx.session.user.username),
      );
      ctx.log.info(
        { changed: user.username, by: ctx.session.user.username },
        input.disabled ? 'user disabled' : 'user enabled',
      );
      return user;
    }),
  deleteUser: adminProcedure.input(adminInputs.deleteUser).mutation(async ({ ctx, input }) => {
    await mapped(deleteUser(ctx.pool, input.username, ctx.session.user.username));
    ctx.log.info({ deleted: input.username, by: ctx.session.user.username }, 'user deleted');
    return { username: input.username };
  }),
  /** A `failed` batch back to `stored` with a new outbox row: post-processed again. */
  requeueBatch: adminProcedure.input(adminInputs.requeueBatch).mutation(async ({ ctx, input }) => {
    await mapped(retryBatch(ctx.pool, input.batchId));
    ctx.onEnqueued();
    ctx.log.info({ batchId: input.batchId }, 'failed batch requeued');
    return { batchId: input.batchId, state: 'stored' as const };
  }),
  /** A `failed` report back to `queued` with a new outbox row: built again. */
  requeueReport: adminProcedure
    .input(adminInputs.requeueReport)
    .mutation(async ({ ctx, input }) => {
      await mapped(retryReport(ctx.pool, input.reportId));
      ctx.onEnqueued();
      ctx.log.info({ reportId: input.reportId }, 'failed report requeued');
      return { reportId: input.reportId, state: 'queued' as const };
    }),
  /** Queues a report now (any park, ride and period). */
  requestReport: adminProcedure
    .input(adminInputs.requestReport)
    .mutation(async ({ ctx, input }) => {
      const reportId = await mapped(requestReport(ctx.pool, input));
      ctx.onEnqueued();
      return { reportId };
    }),
  addReportRule: adminProcedure
    .input(adminInputs.addReportRule)
    .mutation(({ ctx, input }) => mapped(addReportRule(ctx.pool, input))),
  setReportRuleEnabled: adminProcedure
    .input(adminInputs.setReportRuleEnabled)
    .mutation(async ({ ctx, input }) => {
      await mapped(setReportRuleEnabled(ctx.pool, input.ruleId, input.enabled));
      return { ruleId: input.ruleId, enabled: input.enabled };
    }),
  /** The rule and its firing records go; the reports it queued stay. */
  deleteReportRule: adminProcedure
    .input(adminInputs.deleteReportRule)
    .mutation(async ({ ctx, input }) => {
      await mapped(deleteReportRule(ctx.pool, input.ruleId));
      ctx.log.info({ ruleId: input.ruleId }, 'report rule deleted');
      return { ruleId: input.ruleId };
    }),
});
