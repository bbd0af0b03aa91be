import type { Readable } from 'node:stream';
import { FilesystemBlobStore } from './filesystem-blob-store.ts';
import type { BytePieces } from './byte-pieces.ts';

export { BLOB_DIR_MODE, BLOB_FILE_MODE, syncDir } from './blob-files.ts';
export { BlobDamagedError, BlobMissingError } from './blob-errors.ts';

/** Which backend holds the blobs (BLOB_STORE). */
export type BlobStoreKind = 'filesystem' | 's3';

/** An object's bytes, read from the start; `size` is known before the first byte. */
export interface BlobRead {
  size: number;
  stream: Readable;
}

/**
 * Uploads in progress: the bytes a park has sent so far, written chunk by chunk at the offset
 * PostgreSQL's `uploads.received_bytes` says. A reference (`uploads.temp_path`) names one
 * upload in the backend that made it.
 */
export interface UploadArea {
  /** Makes an empty upload and returns its reference. */
  create(uploadId: string): Promise<string>;
  /**
   * Writes `data` at `offset`, forgetting whatever an interrupted earlier write left past
   * `offset`; durable when it resolves.
   */
  write(ref: string, offset: number, data: Buffer): Promise<void>;
  /** Forgets every byte of the upload (it starts again from offset 0). */
  reset(ref: string): Promise<void>;
  /** Bytes [start, end) of an upload holding at least `end` bytes. */
  read(ref: string, start: number, end: number): Promise<Buffer>;
  /** The first `size` bytes, in order. */
  stream(ref: string, size: number): Readable;
  /** A local file holding the first `size` bytes while `fn` runs (a scratch copy if need be). */
  withLocalFile<T>(ref: string, size: number, fn: (path: string) => Promise<T>): Promise<T>;
  /**
   * Makes the complete upload (`size` bytes whose SHA-256 the caller checked) the drop's blob,
   * durably, and returns the blob's reference. The upload itself stays until {@link remove}.
   * An upload that is gone throws an error with code `ENOENT`.
   */
  promote(ref: string, size: number, sha256: string): Promise<string>;
  /** Removes the upload's bytes; a missing upload is fine. */
  remove(ref: string): Promise<void>;
  /** Every upload the backend holds, with when it was last written (for the orphan sweep). */
  list(): AsyncIterable<{ uploadId: string; ref: string; modifiedMs: number }>;
}

/**
 * Where central keeps drops (content-addressed, written once), uploads in progress and report
 * files. Two backends: the filesystem under BLOB_DIR (single node, or a ReadWriteMany volume)
 * and S3-compatible object storage (several nodes with block storage only). PostgreSQL keeps
 * each object's reference (`batches.blob_path`, `reports.*_path`, `uploads.temp_path`): an
 * absolute path for the filesystem, `s3://bucket/key` for an object store.
 *
 * An outage of the backend (unreachable, refusing, full) throws an error that
 * `infrastructureFault` names `blob-store`, so jobs and requests wait it out; a missing object
 * throws `BlobMissingError`; bytes that do not match their checksum `BlobDamagedError`.
 */
export interface BlobStore {
  readonly kind: BlobStoreKind;
  /**
   * Local folder (BLOB_DIR): the whole store for the filesystem backend; with an object store
   * only the scratch files of jobs and checks live here (`tmp/`).
   */
  readonly root: string;
  /**
   * Prepares the backend at start-up: its folders; for an object store the scratch folder and
   * one question to the bucket, which fails on a refusal (wrong key, no such bucket) but not on
   * an outage (each later call waits that out).
   */
  init(): Promise<void>;
  /** A fresh local path for a scratch file (job input or output), removed by the caller. */
  tmpPath(suffix: string): string;

  /** The reference of the drop whose zip has this SHA-256 (`batches.blob_path`). */
  blobPath(sha256: string): string;
  /**
   * Copies a checked local file in as the drop with this SHA-256, durably (a crash leaves no
   * torn object), and returns its reference.
   */
  storeBlob(localPath: string, sha256: string): Promise<string>;
  /**
   * Writes a checked drop held in memory (a put's body, at most MAX_PUT_BYTES) in as the drop
   * with this SHA-256, durably and in one write, and returns its reference.
   */
  storeBytes(data: BytePieces, sha256: string): Promise<string>;
  /** Whether the object exists; an unreachable backend throws. */
  exists(ref: string): Promise<boolean>;
  /**
   * The object's bytes, streamed; a drop's are checked against the SHA-256 in its name as they
   * pass (an object store's other objects against the SHA-256 they were written with), and the
   * stream fails at its end with BlobDamagedError when they differ.
   */
  read(ref: string): Promise<BlobRead>;
  /**
   * Runs `fn` with a local file holding the object (the file itself on the filesystem; a
   * checked scratch copy, removed afterwards, from an object store).
   */
  withLocalFile<T>(ref: string, fn: (path: string) => Promise<T>): Promise<T>;
  /** Removes an object; a missing one is fine. */
  remove(ref: string): Promise<void>;
  /**
   * Removes objects; missing ones are fine. An object store takes up to 1,000 in one request
   * (the retention sweep's chunk of 500 files was 500 round trips).
   */
  removeAll(refs: readonly string[]): Promise<void>;

  /** Uploads in progress. */
  readonly uploads: UploadArea;

  /** The local folder the reporter writes a report's files into. */
  reportDir(reportId: string): string;
  /**
   * Keeps a finished report's files (local paths by kind) and returns their references; with
   * an object store the local copies are removed.
   */
  storeReport<K extends string>(
    reportId: string,
    files: Record<K, string>,
  ): Promise<Record<K, string>>;
}

/**
 * The filesystem backend under a folder. Kept under this name for callers that construct the
 * store directly (tests, benchmarks): `new BlobStore(dir)` is the filesystem store.
 */
export const BlobStore = FilesystemBlobStore;
