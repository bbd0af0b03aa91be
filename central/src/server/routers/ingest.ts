import {
  beginInputSchema,
  beginOutputSchema,
  chunkInputSchema,
  chunkOutputSchema,
  commitInputSchema,
  commitOutputSchema,
} from '../../ingest/ingest-schemas.ts';
import { checkParkQuota } from '../../ingest/park-quota.ts';
import { ingestProcedure, router } from '../trpc.ts';

/** Chunked, resumable, deduplicated drop upload (docs/job-contracts.md, "Ingest API"). */
export const ingestRouter = router({
  begin: ingestProcedure
    .input(beginInputSchema)
    .output(beginOutputSchema)
    .mutation(async ({ ctx, input }) => {
      // Before anything is created: a park over its quota gets TOO_MANY_REQUESTS and a wait.
      await checkParkQuota(ctx.pool, ctx.park, input, ctx.parkQuota);
      return ctx.ingest.begin(ctx.park, input);
    }),
  chunk: ingestProcedure
    .input(chunkInputSchema)
    .output(chunkOutputSchema)
    .mutation(({ ctx, input }) => ctx.ingest.chunk(ctx.park, input)),
  commit: ingestProcedure
    .input(commitInputSchema)
    .output(commitOutputSchema)
    .mutation(({ ctx, input }) => ctx.ingest.commit(ctx.park, input)),
});
