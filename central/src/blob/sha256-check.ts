import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { BlobDamagedError } from './blob-errors.ts';

/**
 * Passes an object's bytes on and fails the stream at its end (before the reader sees a clean
 * end) with a {@link BlobDamagedError} when they are not `size` bytes with the SHA-256 named.
 */
export class Sha256Check extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;

  constructor(
    private readonly ref: string,
    private readonly expected: string,
    private readonly size: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (this.bytes !== this.size || actual !== this.expected) {
      done(
        new BlobDamagedError(
          this.ref,
          `${this.bytes} bytes with SHA-256 ${actual}, expected ${this.size} bytes with ${this.expected}`,
        ),
      );
      return;
    }
    done();
  }
}

/** A drop's key or path ends `<sha256>.zip` under `blobs/`: its name is its checksum. */
const DROP_NAME = /(?:^|\/)blobs\/[0-9a-f]{2}\/([0-9a-f]{64})\.zip$/;

/** The SHA-256 a drop's reference names, or undefined for any other object. */
export function dropSha256(ref: string): string | undefined {
  return DROP_NAME.exec(ref)?.[1];
}

/**
 * `stream` (an object's `size` bytes) passed through a {@link Sha256Check} when its SHA-256 is
 * known; an error of the source fails the checked stream too.
 */
export function checkedStream(
  stream: Readable,
  ref: string,
  sha256: string | undefined,
  size: number,
): Readable {
  if (!sha256) return stream;
  const check = new Sha256Check(ref, sha256, size);
  stream.on('error', (err) => check.destroy(err));
  return stream.pipe(check);
}
