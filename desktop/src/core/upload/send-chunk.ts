import { CHUNK_PLACE_CONTEXT, type ChunkPlace } from '@zra/shared';
import type { CentralClient } from '../central/central-client.ts';
import { isUnknownProcedure } from '../central/central-error.ts';

/**
 * Clients whose central does not know `ingest.chunkBytes`: one from before it (a rolled-back
 * upgrade, docs/operations.md). They get FormData chunks, which every central takes.
 */
const formOnly = new WeakSet<CentralClient>();

/**
 * Sends one chunk: its bytes as the body (`ingest.chunkBytes`), or as a multipart form
 * (`ingest.chunk`) to a central that answers the first with "no procedure found". Without the
 * fall-back, rolling central back would stop every updated park's uploads until it was rolled
 * forward again.
 */
export async function sendChunk(
  client: CentralClient,
  place: ChunkPlace,
  bytes: Buffer,
): Promise<{ offset: number }> {
  if (!formOnly.has(client)) {
    try {
      return await client.ingest.chunkBytes.mutate(bytes, {
        context: { [CHUNK_PLACE_CONTEXT]: place },
      });
    } catch (err) {
      if (!isUnknownProcedure(err)) throw err;
      formOnly.add(client);
    }
  }
  const form = new FormData();
  form.set('uploadId', place.uploadId);
  form.set('offset', String(place.offset));
  form.set('chunk', new Blob([bytes]));
  return client.ingest.chunk.mutate(form);
}
