import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/**
 * Bytes held in memory as the pieces they arrived in (a put's body, read off the socket),
 * never joined into one buffer: joining copied every drop once more, about a twentieth of
 * what the API's main thread spent on a put (docs/performance.md). They are hashed, read by
 * range and written to a file piece by piece.
 */
export class BytePieces {
  readonly length: number;
  // Where each piece starts, for `range`.
  private readonly starts: number[];

  constructor(readonly pieces: readonly Uint8Array[]) {
    this.starts = [];
    let at = 0;
    for (const piece of pieces) {
      this.starts.push(at);
      at += piece.byteLength;
    }
    this.length = at;
  }

  /** The SHA-256 of all the bytes, hex. */
  sha256(): string {
    const hash = createHash('sha256');
    for (const piece of this.pieces) hash.update(piece);
    return hash.digest('hex');
  }

  /**
   * Bytes `start` to `end` (end excluded, both clamped to the bytes held): a view of the piece
   * when one holds them all, else a copy of just that range.
   */
  range(start: number, end: number): Buffer {
    const from = Math.max(0, Math.min(start, this.length));
    const to = Math.max(from, Math.min(end, this.length));
    const first = this.pieceAt(from);
    const piece = this.pieces[first];
    const pieceStart = this.starts[first] ?? 0;
    if (piece && to - pieceStart <= piece.byteLength) {
      return Buffer.from(piece.buffer, piece.byteOffset + from - pieceStart, to - from);
    }
    const out = Buffer.allocUnsafe(to - from);
    let written = 0;
    for (let i = first; written < out.length; i++) {
      const p = this.pieces[i] as Uint8Array;
      const offset = i === first ? from - pieceStart : 0;
      const take = Math.min(p.byteLength - offset, out.length - written);
      out.set(p.subarray(offset, offset + take), written);
      written += take;
    }
    return out;
  }

  /** All the bytes in one buffer (for an API that takes nothing else). */
  joined(): Buffer {
    return Buffer.concat(this.pieces, this.length);
  }

  /**
   * Writes every byte at the file's current position. libuv already goes on after a short
   * write; Node does not promise it, so what is left is written again rather than lost.
   */
  async writeTo(file: FileHandle): Promise<void> {
    let rest = this.pieces.filter((p) => p.byteLength > 0);
    while (rest.length > 0) {
      const { bytesWritten } = await file.writev(rest);
      rest = skip(rest, bytesWritten);
    }
  }

  /** The index of the piece holding byte `at` (the last piece for `at` = length). */
  private pieceAt(at: number): number {
    let lo = 0;
    let hi = this.pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    return Math.max(lo, 0);
  }
}

/** The pieces after their first `count` bytes. */
function skip(pieces: Uint8Array[], count: number): Uint8Array[] {
  let left = count;
  let i = 0;
  while (i < pieces.length && left >= (pieces[i] as Uint8Array).byteLength) {
    left -= (pieces[i] as Uint8Array).byteLength;
    i++;
  }
  const rest = pieces.slice(i);
  if (left > 0 && rest[0]) rest[0] = rest[0].subarray(left);
  return rest;
}
