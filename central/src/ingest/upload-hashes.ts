import { createHash, type Hash } from 'node:crypto';

/** How many uploads in progress keep a running hash; the least recently fed go first. */
const DEFAULT_CAPACITY = 10_000;

/**
 * SHA-256 of each upload, computed while its chunks arrive, so commit need not read the file
 * again to hash it. A hash only ever covers bytes that are durably stored: a chunk is added
 * after it was written and its offset recorded. A chunk that does not continue the hash (this
 * process missed an earlier chunk: a restart, another API replica took it, a retried chunk)
 * drops it, and commit hashes the stored bytes instead. Memory: one hash state per upload.
 */
export class UploadHashes {
  private readonly states = new Map<string, { end: number; hash: Hash }>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** Adds a stored chunk that starts at `offset`. */
  add(uploadId: string, offset: number, data: Uint8Array): void {
    const state = this.states.get(uploadId);
    this.states.delete(uploadId);
    if (offset === 0) {
      this.keep(uploadId, { end: data.length, hash: createHash('sha256').update(data) });
    } else if (state && state.end === offset) {
      state.hash.update(data);
      state.end += data.length;
      this.keep(uploadId, state);
    }
  }

  /** The upload's SHA-256 (hex) if every one of its `bytes` went through this process. */
  take(uploadId: string, bytes: number): string | null {
    const state = this.states.get(uploadId);
    this.states.delete(uploadId);
    return state && state.end === bytes ? state.hash.digest('hex') : null;
  }

  /** Forgets an upload (reset, removed). */
  forget(uploadId: string): void {
    this.states.delete(uploadId);
  }

  private keep(uploadId: string, state: { end: number; hash: Hash }): void {
    // Map order is insertion order: re-inserting marks it the most recently fed.
    this.states.set(uploadId, state);
    if (this.states.size > this.capacity) {
      const oldest = this.states.keys().next().value;
      if (oldest !== undefined) this.states.delete(oldest);
    }
  }
}
