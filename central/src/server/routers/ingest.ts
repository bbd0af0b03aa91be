import { octetInputParser } from '@trpc/server/http';
import { chunkPlaceSchema } from '@zra/shared';
import { DomainError } from '../../domain-error.ts';
import { readChunkBody } from '../../ingest/chunk-body.ts';
import {
  beginInputSchema,
  beginOutputSchema,
  chunkFormSchema,
  chunkOutputSchema,
  commitInputSchema,
  commitOutputSchema,
} from '../../ingest/ingest-schemas.ts';
import { checkParkQuota } from '../../ingest/park-quota.ts';
import { receiveDrop } from '../../ingest/receive-drop.ts';
import type { CentralContext } from '../context.ts';
import { ingestProcedure, putProcedure, router } from '../trpc.ts';

/** Chunked, resumable, deduplicated drop upload (docs/job-contracts.md, "Ingest API"). */
export const ingestRouter = router({
  begin: ingestProcedure
    .input(beginInputSchema)
    .output(beginOutputSchema)
    .mutation(async ({ ctx, input }) => {
      // Before anything is created: a park over its quota gets TOO_MANY_REQUESTS and a wait.
      const known = await checkParkQuota(ctx.pool, ctx.park, input, ctx.parkQuota);
      return ctx.ingest.begin(ctx.park, input, known);
    }),
  /**
   * A chunk as its plain bytes, the upload and offset in headers: no multipart to parse on
   * either side (it was an eighth of the API's time at 50 Hz drops, docs/performance.md).
   */
  chunkBytes: ingestProcedure
    .input(octetInputParser)
    .output(chunkOutputSchema)
    .mutation(async ({ ctx, input }) => {
      const place = chunkPlace(ctx);
      const data = await readChunkBody(input);
      return ctx.ingest.chunk(ctx.park, { ...place, data });
    }),
  /** The same as a multipart form, as older agents send it. */
  chunk: ingestProcedure
    .input(chunkFormSchema)
    .output(chunkOutputSchema)
    .mutation(async ({ ctx, input }) => {
      const data = Buffer.from(await input.chunk.arrayBuffer());
      return ctx.ingest.chunk(ctx.park, { uploadId: input.uploadId, offset: input.offset, data });
    }),
  commit: ingestProcedure
    .input(commitInputSchema)
    .output(commitOutputSchema)
    .mutation(({ ctx, input }) => ctx.ingest.commit(ctx.park, input)),
  /**
   * A whole drop of up to MAX_PUT_BYTES in one request: its bytes as the body, what begin is
   * told in headers; answers as commit does. The quota is checked before the body is read.
   * Agents send it to `POST /ingest/put` (drop-put-route.ts), the same call without tRPC's
   * fetch adapter; this path stays for clients that know only tRPC.
   */
  put: putProcedure
    .input(octetInputParser)
    .output(commitOutputSchema)
    .mutation(({ ctx, input }) => receiveDrop(ctx, ctx.park, ctx.dropPut, input)),
});

/** The chunk's upload and offset from its headers, or what the client must fix. */
function chunkPlace(ctx: CentralContext): { uploadId: string; offset: number } {
  const parsed = chunkPlaceSchema.safeParse(ctx.chunkPlace);
  if (parsed.success) return parsed.data;
  throw new DomainError('invalid_input', parsed.error.issues.map((i) => i.message).join('; '));
}
