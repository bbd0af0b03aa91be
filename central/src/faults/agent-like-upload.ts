import { createHash } from 'node:crypto';
import { TRPCClientError, type TRPCClient } from '@trpc/client';
import { verifyDrop } from '@zra/shared';
import type { AppRouter } from '../server/router.ts';
import { sendChunk } from '../testing/test-central.ts';

type CommitAnswer = Awaited<ReturnType<TRPCClient<AppRouter>['ingest']['commit']['mutate']>>;
type BeginAnswer = Awaited<ReturnType<TRPCClient<AppRouter>['ingest']['begin']['mutate']>>;

/** The tRPC error code of a refusal, or undefined for anything else. */
export function trpcCode(err: unknown): string | undefined {
  if (!(err instanceof TRPCClientError)) return undefined;
  const data: unknown = err.data;
  return data && typeof data === 'object' && 'code' in data && typeof data.code === 'string'
    ? data.code
    : undefined;
}

/**
 * Uploads a zip the way the park agent does when it is not alone: a chunk refused with
 * `CONFLICT` (central holds another end) or a commit answered `NOT_FOUND` (another caller
 * committed the upload) sends it back to `begin`, which resumes or answers `duplicate`.
 * Gives up after `rounds` re-begins so a bug cannot loop forever.
 */
export async function uploadLikeAgent(
  client: TRPCClient<AppRouter>,
  zip: Buffer,
  fileName: string,
  chunkBytes = 16 * 1024,
  rounds = 20,
): Promise<Exclude<BeginAnswer, { status: 'upload' }> | CommitAnswer> {
  const verdict = verifyDrop(zip);
  const sha256 = createHash('sha256').update(zip).digest('hex');
  const contentId = verdict.ok ? verdict.contentId : sha256;
  for (let round = 0; round < rounds; round++) {
    const begun = await client.ingest.begin.mutate({
      sha256,
      contentId,
      bytes: zip.length,
      fileName,
    });
    if (begun.status === 'duplicate') return begun;
    try {
      let offset = begun.offset;
      while (offset < zip.length) {
        const next = await sendChunk(
          client,
          begun.uploadId,
          offset,
          zip.subarray(offset, offset + chunkBytes),
        );
        offset = next.offset;
      }
      return await client.ingest.commit.mutate({ uploadId: begun.uploadId });
    } catch (err) {
      const code = trpcCode(err);
      // PRECONDITION_FAILED: the other caller's chunk reset or moved the upload meanwhile.
      if (code !== 'CONFLICT' && code !== 'NOT_FOUND' && code !== 'PRECONDITION_FAILED') throw err;
    }
  }
  throw new Error(`upload of ${fileName} did not settle after ${rounds} rounds`);
}
