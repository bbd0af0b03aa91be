import { sha256Schema } from '@zra/shared';
import { z } from 'zod';
import type { BytePieces } from '../blob/byte-pieces.ts';

/** Largest zip central accepts (the drop-format limit); larger uploads are refused at begin. */
export const MAX_DROP_BYTES = 128 * 1024 * 1024;

/** Largest chunk a client may send; the HTTP body limit sits a little above it. */
export const MAX_CHUNK_BYTES = 8 * 1024 * 1024;

/** Largest drop `ingest.put` takes in one request: one chunk's worth. Larger ones go chunked. */
export const MAX_PUT_BYTES = MAX_CHUNK_BYTES;

export const beginInputSchema = z.strictObject({
  sha256: sha256Schema,
  contentId: sha256Schema,
  bytes: z.number().int().positive().max(MAX_DROP_BYTES),
  fileName: z.string().min(1).max(255),
});

export const beginOutputSchema = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('duplicate'), batchId: z.uuid() }),
  z.strictObject({
    status: z.literal('upload'),
    uploadId: z.uuid(),
    offset: z.number().int().nonnegative(),
  }),
]);

/**
 * `ingest.chunk`, the form older agents send: multipart FormData (tRPC passes non-JSON
 * bodies through `httpLink`), so its fields are strings and a Blob; they are checked here,
 * once, at the boundary. `ingest.chunkBytes` takes the bytes as the plain body instead.
 */
export const chunkFormSchema = z.instanceof(FormData).transform((form, ctx) => {
  const parsed = z
    .strictObject({
      uploadId: z.uuid(),
      offset: z.coerce.number().int().nonnegative(),
      chunk: z
        .instanceof(Blob, { message: 'chunk must be a file/Blob field' })
        .refine((b) => b.size > 0 && b.size <= MAX_CHUNK_BYTES, {
          message: `chunk must hold 1 to ${MAX_CHUNK_BYTES} bytes`,
        }),
    })
    .safeParse({
      uploadId: form.get('uploadId'),
      offset: form.get('offset'),
      chunk: form.get('chunk'),
    });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom' });
    return z.NEVER;
  }
  return parsed.data;
});

export const chunkOutputSchema = z.strictObject({ offset: z.number().int().nonnegative() });

export const commitInputSchema = z.strictObject({ uploadId: z.uuid() });

export const commitOutputSchema = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('stored'), batchId: z.uuid() }),
  z.strictObject({ status: z.literal('duplicate'), batchId: z.uuid() }),
  z.strictObject({
    status: z.literal('quarantined'),
    batchId: z.uuid(),
    /** Stable rejection code from the drop contract (e.g. `zip_corrupt`). */
    code: z.string(),
    /** A sentence for the park technician. */
    reason: z.string(),
  }),
]);

export type BeginInput = z.infer<typeof beginInputSchema>;
export type BeginOutput = z.infer<typeof beginOutputSchema>;
/** A chunk as the ingest service takes it, whichever form it came in. */
export interface ChunkInput {
  uploadId: string;
  offset: number;
  data: Buffer;
}
export type ChunkOutput = z.infer<typeof chunkOutputSchema>;
export type CommitInput = z.infer<typeof commitInputSchema>;
/** A whole drop in one request (`ingest.put`): what begin is told, and the bytes. */
export interface PutInput {
  sha256: string;
  contentId: string;
  fileName: string;
  data: BytePieces;
}
export type CommitOutput = z.infer<typeof commitOutputSchema>;
