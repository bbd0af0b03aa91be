import { BytePieces } from '../blob/byte-pieces.ts';
import { DomainError } from '../domain-error.ts';
import { MAX_CHUNK_BYTES } from './ingest-schemas.ts';

/**
 * A plain-body chunk's bytes (`ingest.chunkBytes`), read whole: 1 to MAX_CHUNK_BYTES of them.
 * Past the limit the rest is read and dropped rather than the request cut, so the client gets
 * the answer instead of a reset connection; the HTTP body limit (a little above) bounds that.
 */
export async function readChunkBody(body: ReadableStream<Uint8Array>): Promise<Buffer> {
  const { data, size } = await readUpTo(body, MAX_CHUNK_BYTES);
  if (size === 0 || size > MAX_CHUNK_BYTES) throw wrongSize();
  return data.joined();
}

/**
 * A put's body (`ingest.put`): exactly the `declared` bytes its header announced (at most one
 * chunk's worth, checked before), kept in the pieces it came in. A body of another length is
 * refused after it was read, so the client gets the answer instead of a reset connection.
 */
export async function readDropBody(
  body: AsyncIterable<Uint8Array>,
  declared: number,
): Promise<BytePieces> {
  const { data, size } = await readUpTo(body, declared);
  if (size !== declared) {
    throw new DomainError(
      'invalid_input',
      `the body holds ${size} bytes where the drop's size header says ${declared}: send the whole file, with its size`,
    );
  }
  return data;
}

/** The whole body read: its pieces kept while they fit in `limit` bytes, and how many it held. */
async function readUpTo(
  body: AsyncIterable<Uint8Array>,
  limit: number,
): Promise<{ data: BytePieces; size: number }> {
  const pieces: Uint8Array[] = [];
  let size = 0;
  for await (const piece of body) {
    size += piece.byteLength;
    if (size <= limit) pieces.push(piece);
  }
  return { data: new BytePieces(pieces), size };
}

function wrongSize(): DomainError {
  return new DomainError(
    'invalid_input',
    `a chunk must hold 1 to ${MAX_CHUNK_BYTES} bytes: send the upload in smaller chunks`,
  );
}
