import { CHUNK_PLACE_CONTEXT, chunkPlaceHeaders, type ChunkPlace } from './chunk-place.ts';
import { DROP_PUT_CONTEXT, dropPutHeaders, type DropPutInfo } from './drop-put.ts';

/**
 * For a tRPC link's `headers`: what a plain-body upload call carries beside its bytes, from its
 * context (a chunk's place, or a whole drop's description); nothing for any other call.
 */
export function uploadHeadersOf(context: Record<string, unknown>): Record<string, string> {
  const place = context[CHUNK_PLACE_CONTEXT] as ChunkPlace | undefined;
  const put = context[DROP_PUT_CONTEXT] as DropPutInfo | undefined;
  return { ...(place ? chunkPlaceHeaders(place) : {}), ...(put ? dropPutHeaders(put) : {}) };
}
