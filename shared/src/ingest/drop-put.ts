import { z } from 'zod';
import { sha256Schema } from '../drop/primitives.ts';

/**
 * A whole drop in one request (`ingest.put`): its bytes are the body (tRPC's binary input), so
 * what `ingest.begin` would have been told travels as headers. The file name is
 * percent-encoded: header values are ASCII, and a gateway may name files otherwise.
 */
export const PUT_SHA256_HEADER = 'x-zra-sha256';
export const PUT_CONTENT_ID_HEADER = 'x-zra-content-id';
export const PUT_BYTES_HEADER = 'x-zra-bytes';
export const PUT_FILE_NAME_HEADER = 'x-zra-file-name';

/**
 * Where a drop is POSTed whole outside tRPC's fetch adapter (it cost a fifth of central's time
 * per drop, docs/performance.md): the same headers and body as `ingest.put`, and the same
 * answer in tRPC's envelope, so clients read it as that call's.
 */
export const DROP_PUT_PATH = '/ingest/put';

/** The tRPC call a POST to {@link DROP_PUT_PATH} stands for. */
export const DROP_PUT_PROCEDURE = 'ingest.put';

/** What central needs to know of a drop sent whole, besides its bytes. */
export interface DropPutInfo {
  sha256: string;
  contentId: string;
  bytes: number;
  fileName: string;
}

/** The four headers, as the agent sends them. */
export function dropPutHeaders(info: DropPutInfo): Record<string, string> {
  return {
    [PUT_SHA256_HEADER]: info.sha256,
    [PUT_CONTENT_ID_HEADER]: info.contentId,
    [PUT_BYTES_HEADER]: String(info.bytes),
    [PUT_FILE_NAME_HEADER]: encodeURIComponent(info.fileName),
  };
}

const fileNameSchema = z
  .string({ message: `${PUT_FILE_NAME_HEADER} must be the drop's file name, percent-encoded` })
  .transform((value, ctx) => {
    try {
      return decodeURIComponent(value);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `${PUT_FILE_NAME_HEADER} is not valid percent-encoding`,
      });
      return z.NEVER;
    }
  })
  .pipe(z.string().min(1).max(255, `${PUT_FILE_NAME_HEADER} names a file of 1 to 255 characters`));

/** The four headers as central reads them (absent: undefined), checked once at the boundary. */
export const dropPutInfoSchema = z.strictObject({
  sha256: z
    .string({ message: `${PUT_SHA256_HEADER} must be the drop's SHA-256` })
    .pipe(sha256Schema),
  contentId: z
    .string({ message: `${PUT_CONTENT_ID_HEADER} must be the drop's content id` })
    .pipe(sha256Schema),
  bytes: z
    .string({ message: `${PUT_BYTES_HEADER} must be the drop's size in bytes, a whole number` })
    .regex(
      /^[1-9]\d{0,14}$/,
      `${PUT_BYTES_HEADER} must be the drop's size in bytes, a whole number`,
    )
    .transform(Number),
  fileName: fileNameSchema,
});

/** The key of a tRPC call's context that carries a whole drop's {@link DropPutInfo}. */
export const DROP_PUT_CONTEXT = 'dropPut';
