import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { UploadArea } from './blob-store.ts';
import type { S3BlobStore } from './s3-blob-store.ts';

/** An upload chunk's key ends with its offset, zero-padded so keys sort by offset. */
const OFFSET_DIGITS = 12;

/**
 * Uploads in progress: each chunk its own object `uploads/<uploadId>/<offset>`, written once
 * it has arrived whole. Any API replica can take the next chunk (no shared disk), and a chunk
 * retried after a crash overwrites the object at its offset. The upload's bytes are the chain
 * of chunks from offset 0, each starting where the previous ended; objects off the chain (an
 * interrupted reset, a chunk written before a crash but never recorded) are never read.
 */
export class S3Uploads implements UploadArea {
  constructor(private readonly store: S3BlobStore) {}

  private keyPrefix(uploadId: string): string {
    return `uploads/${uploadId}/`;
  }

  async create(uploadId: string): Promise<string> {
    return this.store.ref(this.keyPrefix(uploadId));
  }

  async write(ref: string, offset: number, data: Buffer): Promise<void> {
    await this.store.putBuffer(`${ref}${String(offset).padStart(OFFSET_DIGITS, '0')}`, data);
  }

  async reset(ref: string): Promise<void> {
    await this.remove(ref);
  }

  /** The chunk objects from offset 0 that make up the first `size` bytes. */
  private async chain(
    ref: string,
    size: number,
  ): Promise<{ ref: string; start: number; size: number }[]> {
    const keyPrefix = this.store.key(ref);
    const byOffset = new Map<number, number>();
    for await (const o of this.store.listKeys(ref)) {
      const offset = Number(o.key.slice(keyPrefix.length));
      if (Number.isSafeInteger(offset)) byOffset.set(offset, o.size);
    }
    const chain: { ref: string; start: number; size: number }[] = [];
    for (let at = 0; at < size; ) {
      const length = byOffset.get(at);
      if (length === undefined || length === 0) {
        throw Object.assign(
          new Error(`the object store holds no chunk at byte ${at} of upload ${ref}`),
          { code: 'ENOENT' },
        );
      }
      chain.push({
        ref: `${ref}${String(at).padStart(OFFSET_DIGITS, '0')}`,
        start: at,
        size: length,
      });
      at += length;
    }
    return chain;
  }

  async read(ref: string, start: number, end: number): Promise<Buffer> {
    const pieces: Buffer[] = [];
    for (const part of await this.chain(ref, end)) {
      const from = Math.max(start, part.start);
      const to = Math.min(end, part.start + part.size);
      if (from >= to) continue;
      const range = `bytes=${from - part.start}-${to - part.start - 1}`;
      const { body } = await this.store.get(part.ref, range);
      for await (const piece of this.store.failuresOf(body, part.ref)) pieces.push(piece as Buffer);
    }
    return Buffer.concat(pieces);
  }

  stream(ref: string, size: number): Readable {
    const store = this.store;
    const chain = () => this.chain(ref, size);
    return Readable.from(
      (async function* () {
        for (const part of await chain()) {
          const { body } = await store.get(part.ref);
          for await (const piece of store.failuresOf(body, part.ref)) yield piece as Buffer;
        }
      })(),
    );
  }

  async withLocalFile<T>(ref: string, size: number, fn: (path: string) => Promise<T>): Promise<T> {
    const path = this.store.tmpPath('.upload');
    try {
      await pipeline(this.stream(ref, size), createWriteStream(path, { mode: 0o600 }));
      return await fn(path);
    } finally {
      await rm(path, { force: true });
    }
  }

  /**
   * One chunk (the usual drop): a server-side copy. Several: streamed through into a multipart
   * upload, since S3 refuses parts under 5 MiB and chunks may be smaller.
   */
  async promote(ref: string, size: number, sha256: string): Promise<string> {
    const target = this.store.blobPath(sha256);
    const chain = await this.chain(ref, size);
    const only = chain.length === 1 ? chain[0] : undefined;
    if (only && only.size === size) {
      await this.store.copy(only.ref, target, sha256);
    } else {
      await this.store.putStream(target, this.stream(ref, size), sha256);
    }
    return target;
  }

  async remove(ref: string): Promise<void> {
    const keys: string[] = [];
    for await (const o of this.store.listKeys(ref)) keys.push(o.key);
    if (keys.length > 0) await this.store.deleteKeys(keys, ref);
  }

  async *list(): AsyncIterable<{ uploadId: string; ref: string; modifiedMs: number }> {
    const newest = new Map<string, number>();
    for await (const o of this.store.listKeys(this.store.ref('uploads/'))) {
      const uploadId = /(?:^|\/)uploads\/([0-9a-f-]{36})\/\d+$/.exec(o.key)?.[1];
      if (uploadId) newest.set(uploadId, Math.max(newest.get(uploadId) ?? 0, o.modifiedMs));
    }
    for (const [uploadId, modifiedMs] of newest) {
      yield { uploadId, ref: this.store.ref(this.keyPrefix(uploadId)), modifiedMs };
    }
  }
}
