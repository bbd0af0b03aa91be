import {
  beginInputSchema,
  beginOutputSchema,
  chunkInputSchema,
  chunkOutputSchema,
  commitInputSchema,
  commitOutputSchema,
} from '../../ingest/ingest-schemas.ts';
import { ingestProcedure, router } from '../trpc.ts';

/** Chunked, resumable, deduplicated drop upload (docs/job-contracts.md, "Ingest API"). */
export const ingestRouter = router({
  begin: ingestProcedure
    .input(beginInputSchema)
    .output(beginOutputSchema)
    .mutation(({ ctx, input }) => ctx.ingest.begin(ctx.park, input)),
  chunk: ingestProcedure
    .input(chunkInputSchema)
    .output(chunkOutputSchema)
    .mutation(({ ctx, input }) => ctx.ingest.chunk(ctx.park, input)),
  commit: ingestProcedure
    .input(commitInputSchema)
    .output(commitOutputSchema)
    .mutation(({ ctx, input }) => ctx.ingest.commit(ctx.park, input)),
});
