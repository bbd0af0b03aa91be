import { localToUtc } from '@zra/shared';
import { slugSchema } from '@zra/shared';
import { z } from 'zod';
import { DomainError } from '../../domain-error.ts';
import { listDownloadRequests, requestDownload } from '../../pull/download-requests.ts';
import {
  deletePulledDrop,
  listPulledQuarantine,
  recheckPulledDrop,
} from '../../pull/pulled-quarantine.ts';
import {
  acceptHostKeyInputSchema,
  backfillInputSchema,
  batchRefSchema,
  requestListInputSchema,
  rideRefSchema,
  setRideSourceInputSchema,
} from '../../pull/ride-source-schemas.ts';
import {
  acceptHostKey,
  getRideSource,
  listRideSources,
  removeRideSource,
  setRideSource,
} from '../../pull/ride-sources.ts';
import { centralPullKeyProblem } from '../../pull/central-pull-readiness.ts';
import { adminProcedure, router, userProcedure } from '../trpc.ts';

const parkFilter = z.strictObject({ park: slugSchema.optional() });

/**
 * Central pull (docs/central.md, "Central pull"): which path feeds each ride, its gateway
 * settings and status, "pull now", backfill, the connection check and host-key acceptance, and
 * the drops central pull quarantined. Everyone signed in reads; admins change. The gateway
 * credential goes in with `set` and never comes out of any procedure.
 */
export const centralPullRouter = router({
  /** Every ride with gateway settings (or one park's), with status and who fed it. */
  list: userProcedure.input(parkFilter).query(async ({ ctx, input }) => ({
    rides: await listRideSources(ctx.pool, input.park),
    // Central pull cannot run without its key: said here, so the page shows it at once.
    problem: await centralPullKeyProblem(ctx.pool, ctx.gatewayCredentialsKey),
  })),
  get: userProcedure
    .input(rideRefSchema)
    .query(({ ctx, input }) => getRideSource(ctx.pool, input.park, input.ride)),
  /** The latest downloads of a ride, newest first, with what each did or why it failed. */
  requests: userProcedure.input(requestListInputSchema).query(async ({ ctx, input }) => ({
    requests: await listDownloadRequests(ctx.pool, input),
  })),
  /** Drops central pull quarantined, with the reasons the app's quarantine shows. */
  quarantined: userProcedure
    .input(parkFilter.extend({ limit: z.number().int().min(1).max(200).default(50) }))
    .query(async ({ ctx, input }) => ({ drops: await listPulledQuarantine(ctx.pool, input) })),

  set: adminProcedure.input(setRideSourceInputSchema).mutation(async ({ ctx, input }) => {
    if (input.mode === 'central' && input.credential && !ctx.gatewayCredentialsKey) {
      throw new DomainError(
        'precondition_failed',
        'central pull is not configured on central: GATEWAY_CREDENTIALS_KEY is not set, so the credential cannot be stored sealed; an operator sets it (docs/operations.md, "Central pull"), then save again',
      );
    }
    const view = await setRideSource(ctx.pool, input, ctx.gatewayCredentialsKey);
    ctx.log.info({ park: input.park, ride: input.ride, mode: input.mode }, 'ride source set');
    return view;
  }),
  /** The ride forgets its gateway settings (the park app feeds it); its drops stay. */
  remove: adminProcedure.input(rideRefSchema).mutation(async ({ ctx, input }) => {
    await removeRideSource(ctx.pool, input.park, input.ride);
    return { park: input.park, ride: input.ride };
  }),
  /** Connects and lists (a download job, from the network the downloads use); pulls nothing. */
  check: adminProcedure.input(rideRefSchema).mutation(async ({ ctx, input }) => {
    const queued = await requestDownload(ctx.pool, {
      ...input,
      reason: 'check',
      requestedBy: ctx.user.username,
    });
    if (!queued.joined) ctx.onEnqueued();
    return queued;
  }),
  acceptHostKey: adminProcedure
    .input(acceptHostKeyInputSchema)
    .mutation(({ ctx, input }) =>
      acceptHostKey(ctx.pool, input.park, input.ride, input.fingerprint),
    ),
  pullNow: adminProcedure.input(rideRefSchema).mutation(async ({ ctx, input }) => {
    const queued = await requestDownload(ctx.pool, {
      ...input,
      reason: 'now',
      requestedBy: ctx.user.username,
    });
    if (!queued.joined) ctx.onEnqueued();
    return queued;
  }),
  /** Pulls every file of the ride from a park-local day on, also those pulled before. */
  backfill: adminProcedure.input(backfillInputSchema).mutation(async ({ ctx, input }) => {
    const source = await getRideSource(ctx.pool, input.park, input.ride);
    const [y, m, d] = input.from.split('-').map(Number) as [number, number, number];
    const since = new Date(localToUtc(source.timezone, y, m, d));
    const queued = await requestDownload(ctx.pool, {
      park: input.park,
      ride: input.ride,
      reason: 'backfill',
      since,
      requestedBy: ctx.user.username,
    });
    ctx.onEnqueued();
    return { ...queued, since: since.toISOString() };
  }),
  /** Checks a quarantined pulled drop again with today's rules and the ride's settings. */
  recheck: adminProcedure.input(batchRefSchema).mutation(async ({ ctx, input }) => {
    const result = await recheckPulledDrop(ctx.pool, ctx.blobs, ctx.checkDrop, input.batchId);
    if (result.outcome === 'stored') ctx.onEnqueued();
    return result;
  }),
  deleteQuarantined: adminProcedure.input(batchRefSchema).mutation(async ({ ctx, input }) => {
    await deletePulledDrop(ctx.pool, ctx.blobs, ctx.checkDrop, input.batchId);
    return { batchId: input.batchId };
  }),
});
