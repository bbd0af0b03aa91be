import { z } from 'zod';

/**
 * Where a plain-body upload chunk (`ingest.chunkBytes`) belongs. Its body is the chunk's bytes
 * and nothing else (tRPC's binary input), so the upload and the offset travel as headers.
 */
export const CHUNK_UPLOAD_ID_HEADER = 'x-zra-upload-id';
export const CHUNK_OFFSET_HEADER = 'x-zra-offset';

/** The upload a chunk belongs to and the byte it starts at. */
export interface ChunkPlace {
  uploadId: string;
  offset: number;
}

/** The two headers, as the agent sends them. */
export function chunkPlaceHeaders(place: ChunkPlace): Record<string, string> {
  return { [CHUNK_UPLOAD_ID_HEADER]: place.uploadId, [CHUNK_OFFSET_HEADER]: String(place.offset) };
}

/** The two headers as central reads them (absent: undefined), checked once at the boundary. */
export const chunkPlaceSchema = z.strictObject({
  uploadId: z.uuid({
    message: `${CHUNK_UPLOAD_ID_HEADER} must be the uploadId that begin answered`,
  }),
  offset: z
    .string({ message: `${CHUNK_OFFSET_HEADER} must be the chunk's first byte, a whole number` })
    .regex(/^\d{1,15}$/, `${CHUNK_OFFSET_HEADER} must be the chunk's first byte, a whole number`)
    .transform(Number),
});

/** The key of a tRPC call's context that carries a plain-body chunk's place. */
export const CHUNK_PLACE_CONTEXT = 'chunkPlace';
