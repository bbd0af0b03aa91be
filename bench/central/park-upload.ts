import { putDrop, sendChunk, type createParkClient } from '@zra/central/testing';

/** A drop as the agent holds it before upload: its bytes, and what it hashed at pull time. */
export interface UploadDrop {
  zip: Buffer;
  fileName: string;
  sha256: string;
  contentId: string;
}

/** One upload: how long begin + chunks and the commit took, and the batch it became. */
export interface Upload {
  park: string;
  bytes: number;
  /** Begin and chunks; 0 for a drop sent whole, whose one request counts as its commit. */
  sendMs: number;
  commitMs: number;
  batchId: string;
}

/** The target for a commit (a put), whatever the number of parks: p99 under this (issue 19). */
export const COMMIT_TARGET_MS = 50;

/** 429 answers the benches' park clients waited out (central's per-park request limit). */
let rateLimited = 0;

/** How many 429 answers the park clients of this process have waited out so far. */
export function rateLimitedSoFar(): number {
  return rateLimited;
}

/**
 * Runs one call, waiting out central's per-park rate limit as the agent does: a
 * TOO_MANY_REQUESTS answer is retried after the retryAfterS it names.
 */
async function obeyRateLimit<T>(call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const data = (err as { data?: { code?: string; retryAfterS?: number } }).data;
      if (data?.code !== 'TOO_MANY_REQUESTS') throw err;
      rateLimited++;
      await new Promise((r) => setTimeout(r, (data.retryAfterS ?? 1) * 1000));
    }
  }
}

/**
 * Uploads one drop to central as the agent does (desktop/src/core/upload/upload.ts): whole, in
 * one request (`ingest.put`), when it fits in `chunkBytes`; otherwise begin, chunks and commit;
 * central's rate limit obeyed. Anything but `stored` is an error: the benches send new drops.
 */
export async function uploadToCentral(
  client: ReturnType<typeof createParkClient>,
  park: string,
  drop: UploadDrop,
  chunkBytes: number,
): Promise<Upload> {
  const { zip, fileName, sha256, contentId } = drop;
  if (zip.length <= chunkBytes) {
    // The request is the commit, and its time counts as the commit's.
    const started = performance.now();
    const put = await obeyRateLimit(() => putDrop(client, zip, fileName, { sha256, contentId }));
    const commitMs = performance.now() - started;
    if (put.status !== 'stored') throw new Error(`${fileName}: ${put.status}`);
    return { park, bytes: zip.length, sendMs: 0, commitMs, batchId: put.batchId };
  }
  const sendStarted = performance.now();
  const begun = await obeyRateLimit(() =>
    client.ingest.begin.mutate({ sha256, contentId, bytes: zip.length, fileName }),
  );
  if (begun.status !== 'upload') throw new Error(`${fileName}: ${begun.status}`);
  let offset = begun.offset;
  while (offset < zip.length) {
    const at = offset;
    const next = await obeyRateLimit(() =>
      sendChunk(client, begun.uploadId, at, zip.subarray(at, at + chunkBytes)),
    );
    offset = next.offset;
  }
  const sendMs = performance.now() - sendStarted;
  const started = performance.now();
  const committed = await obeyRateLimit(() =>
    client.ingest.commit.mutate({ uploadId: begun.uploadId }),
  );
  const commitMs = performance.now() - started;
  if (committed.status !== 'stored') throw new Error(`${fileName}: ${committed.status}`);
  return { park, bytes: zip.length, sendMs, commitMs, batchId: committed.batchId };
}
