import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { BlobDamagedError, BlobMissingError } from './blob-errors.ts';
import { BLOB_DIR_MODE } from './blob-files.ts';
import type { BlobRead, BlobStore, UploadArea } from './blob-store.ts';
import { s3Failure } from './s3-errors.ts';
import type { S3Settings } from './s3-settings.ts';

/** Object keys under the prefix: drops by SHA-256, upload chunks by offset, report files. */
const DROP_KEY = /(?:^|\/)blobs\/[0-9a-f]{2}\/([0-9a-f]{64})\.zip$/;
/** An upload chunk's key ends with its offset, zero-padded so keys sort by offset. */
const OFFSET_DIGITS = 12;

/**
 * The blob store in an S3-compatible object store (AWS S3, Ceph RGW, Garage): one bucket,
 * keys `blobs/<sha[0:2]>/<sha>.zip`, `uploads/<uploadId>/<offset>` (each chunk of an upload in
 * progress as its own object, so any API replica can take the next chunk) and
 * `reports/<reportId>/<file>`; references are `s3://bucket/key`. Bytes stream in and out
 * (a part of at most `partBytes` is held in memory), objects above `partBytes` go up as
 * multipart uploads, every object carries its SHA-256 checksum (checked by the store on the
 * way in), and a drop read back is checked against the SHA-256 in its key. Scratch files of
 * jobs stay on local disk under `root/tmp`.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  readonly uploads: UploadArea;
  private readonly client: S3Client;
  private readonly where: string;

  constructor(
    private readonly settings: S3Settings,
    readonly root: string,
  ) {
    this.where = settings.endpoint ?? `AWS S3 (${settings.region})`;
    this.client = new S3Client({
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
      // Inactivity limits of the socket; a whole call has its own deadline (call()).
      requestHandler: {
        connectionTimeout: Math.min(5000, settings.timeoutMs),
        requestTimeout: settings.timeoutMs,
      },
      // A few quick retries of a dropped connection or a 503; longer outages are waited out by
      // the caller (the worker holds its message, the agent retries its chunk).
      maxAttempts: 3,
      // Checksums are ours (SHA-256 on every object), not the SDK's default CRC32 trailers,
      // which older self-hosted stores do not understand.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.uploads = new S3Uploads(this);
  }

  /** Scratch folder on local disk; the bucket must answer (wrong credentials are said here). */
  async init(): Promise<void> {
    await mkdir(join(this.root, 'tmp'), { recursive: true, mode: BLOB_DIR_MODE });
    await this.call('reach the bucket', `s3://${this.settings.bucket}/`, (signal) =>
      this.client.send(new HeadBucketCommand({ Bucket: this.settings.bucket }), {
        abortSignal: signal,
      }),
    );
  }

  tmpPath(suffix: string): string {
    return join(this.root, 'tmp', `${randomUUID()}${suffix}`);
  }

  /** The reference of a key in the bucket. */
  ref(key: string): string {
    return `s3://${this.settings.bucket}/${this.settings.prefix}${key}`;
  }

  /** The key a reference names; a reference of another store is refused in words. */
  key(ref: string): string {
    const head = `s3://${this.settings.bucket}/`;
    if (!ref.startsWith(head)) {
      throw new Error(
        `"${ref}" is not an object of bucket ${this.settings.bucket}: it was stored by another blob store (BLOB_STORE=filesystem keeps absolute paths); copy those files into the bucket and update the paths before switching stores`,
      );
    }
    return ref.slice(head.length);
  }

  blobPath(sha256: string): string {
    return this.ref(`blobs/${sha256.slice(0, 2)}/${sha256}.zip`);
  }

  reportDir(reportId: string): string {
    // The reporter writes locally; storeReport moves the files into the bucket.
    return join(this.root, 'tmp', `report-${reportId}`);
  }

  async storeReport<K extends string>(
    reportId: string,
    files: Record<K, string>,
  ): Promise<Record<K, string>> {
    const out = {} as Record<K, string>;
    for (const kind of Object.keys(files) as K[]) {
      const path = files[kind];
      const name = path.slice(path.lastIndexOf('/') + 1);
      const ref = this.ref(`reports/${reportId}/${name}`);
      await this.putFile(ref, path);
      out[kind] = ref;
    }
    await rm(this.reportDir(reportId), { recursive: true, force: true });
    return out;
  }

  async storeBlob(localPath: string, sha256: string): Promise<string> {
    const ref = this.blobPath(sha256);
    // Content-addressed: an object under this name already holds these bytes.
    if (await this.exists(ref)) return ref;
    await this.putFile(ref, localPath, sha256);
    return ref;
  }

  async exists(ref: string): Promise<boolean> {
    try {
      await this.call('look up an object', ref, (signal) =>
        this.client.send(
          new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.key(ref) }),
          { abortSignal: signal },
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof BlobMissingError) return false;
      throw err;
    }
  }

  async read(ref: string): Promise<BlobRead> {
    const { size, body } = await this.get(ref);
    const sha256 = DROP_KEY.exec(ref)?.[1];
    const stream = this.failuresOf(body, ref);
    if (!sha256) return { size, stream };
    const check = new Sha256Check(ref, sha256, size);
    stream.on('error', (err) => check.destroy(err));
    return { size, stream: stream.pipe(check) };
  }

  async withLocalFile<T>(ref: string, fn: (path: string) => Promise<T>): Promise<T> {
    const path = this.tmpPath('.blob');
    try {
      const { stream } = await this.read(ref);
      await pipeline(stream, createWriteStream(path, { mode: 0o600 }));
      return await fn(path);
    } finally {
      await rm(path, { force: true });
    }
  }

  async remove(ref: string): Promise<void> {
    await this.deleteKeys([this.key(ref)], ref);
  }

  // --- the calls every method above is made of -----------------------------------------------

  /**
   * One call to the store with a deadline for its answer (the socket's own limit covers a body
   * that stops flowing), its failure translated ({@link s3Failure}).
   */
  async call<T>(what: string, ref: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.settings.timeoutMs * 2);
    try {
      return await fn(abort.signal);
    } catch (err) {
      throw s3Failure(err, what, ref, this.where);
    } finally {
      clearTimeout(timer);
    }
  }

  /** An object's (or a range's) body as a stream. */
  async get(ref: string, range?: string): Promise<{ size: number; body: Readable }> {
    const r = await this.call('read an object', ref, (signal) =>
      this.client.send(
        new GetObjectCommand({
          Bucket: this.settings.bucket,
          Key: this.key(ref),
          ...(range ? { Range: range } : {}),
        }),
        { abortSignal: signal },
      ),
    );
    if (!(r.Body instanceof Readable)) throw new Error('the object store sent no body');
    return { size: r.ContentLength ?? 0, body: r.Body };
  }

  /** A body whose socket fails mid-way fails with the store's outage, not a bare socket error. */
  failuresOf(body: Readable, ref: string): Readable {
    const where = this.where;
    const out = new Transform({
      transform(chunk: Buffer, _enc, done) {
        done(null, chunk);
      },
    });
    body.on('error', (err) => out.destroy(s3Failure(err, 'send an object', ref, where)));
    return body.pipe(out);
  }

  /** Puts bytes already in memory as one object, with their SHA-256 for the store to check. */
  async putBuffer(ref: string, data: Buffer, metadata?: Record<string, string>): Promise<void> {
    const checksum = createHash('sha256').update(data).digest('base64');
    await this.call('store an object', ref, (signal) =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: this.key(ref),
          Body: data,
          ContentLength: data.length,
          ChecksumSHA256: checksum,
          ...(metadata ? { Metadata: metadata } : {}),
        }),
        { abortSignal: signal },
      ),
    );
  }

  /** Puts a local file; one object up to `partBytes`, a multipart upload above. */
  async putFile(ref: string, path: string, sha256?: string): Promise<void> {
    const size = (await stat(path)).size;
    const metadata = sha256 ? { sha256 } : undefined;
    if (size <= this.settings.partBytes) {
      const file = await open(path, 'r');
      try {
        const data = Buffer.alloc(size);
        await file.read(data, 0, size, 0);
        await this.putBuffer(ref, data, metadata);
      } finally {
        await file.close();
      }
      return;
    }
    await this.putStream(ref, createReadStream(path), metadata);
  }

  /**
   * A multipart upload of a stream, `partBytes` per part (one part in memory at a time); a
   * failure aborts the upload, so no half object ever appears under the name.
   */
  async putStream(ref: string, source: Readable, metadata?: Record<string, string>): Promise<void> {
    const Bucket = this.settings.bucket;
    const Key = this.key(ref);
    const created = await this.call('start a multipart upload', ref, (signal) =>
      this.client.send(
        new CreateMultipartUploadCommand({
          Bucket,
          Key,
          ChecksumAlgorithm: 'SHA256',
          ...(metadata ? { Metadata: metadata } : {}),
        }),
        { abortSignal: signal },
      ),
    );
    const UploadId = created.UploadId;
    if (!UploadId) throw new Error('the object store started a multipart upload without an id');
    const parts: { PartNumber: number; ETag?: string; ChecksumSHA256?: string }[] = [];
    try {
      for await (const part of inParts(source, this.settings.partBytes)) {
        const PartNumber = parts.length + 1;
        const ChecksumSHA256 = createHash('sha256').update(part).digest('base64');
        const done = await this.call('store part of an object', ref, (signal) =>
          this.client.send(
            new UploadPartCommand({
              Bucket,
              Key,
              UploadId,
              PartNumber,
              Body: part,
              ContentLength: part.length,
              ChecksumSHA256,
            }),
            { abortSignal: signal },
          ),
        );
        parts.push({ PartNumber, ETag: done.ETag, ChecksumSHA256 });
      }
      await this.call('finish a multipart upload', ref, (signal) =>
        this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
          { abortSignal: signal },
        ),
      );
    } catch (err) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }))
        .catch(() => undefined);
      throw err;
    }
  }

  /** Server-side copy (no byte passes through central), with the drop's SHA-256 as metadata. */
  async copy(fromRef: string, toRef: string, metadata: Record<string, string>): Promise<void> {
    await this.call('copy an object', fromRef, (signal) =>
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.settings.bucket,
          Key: this.key(toRef),
          CopySource: `${this.settings.bucket}/${encodeURIComponent(this.key(fromRef)).replaceAll('%2F', '/')}`,
          MetadataDirective: 'REPLACE',
          Metadata: metadata,
        }),
        { abortSignal: signal },
      ),
    );
  }

  /** Every object whose reference starts with `refPrefix`: its key, size and time, in key order. */
  async *listKeys(
    refPrefix: string,
  ): AsyncIterable<{ key: string; size: number; modifiedMs: number }> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.call('list objects', refPrefix, (signal) =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.settings.bucket,
            Prefix: this.key(refPrefix),
            ...(ContinuationToken ? { ContinuationToken } : {}),
          }),
          { abortSignal: signal },
        ),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        yield {
          key: o.Key,
          size: o.Size ?? 0,
          modifiedMs: o.LastModified?.getTime() ?? 0,
        };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /** Deletes keys, a thousand per call; missing keys are fine. */
  async deleteKeys(keys: string[], ref: string): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const Objects = keys.slice(i, i + 1000).map((Key) => ({ Key }));
      await this.call('delete objects', ref, (signal) =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.settings.bucket,
            Delete: { Objects, Quiet: true },
          }),
          { abortSignal: signal },
        ),
      );
    }
  }

  /** Closes the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }
}

/**
 * Uploads in progress: each chunk its own object `uploads/<uploadId>/<offset>`, written once
 * it has arrived whole. Any API replica can take the next chunk (no shared disk), and a chunk
 * retried after a crash overwrites the object at its offset. The upload's bytes are the chain
 * of chunks from offset 0, each starting where the previous ended; objects off the chain (an
 * interrupted reset, a chunk written before a crash but never recorded) are never read.
 */
class S3Uploads implements UploadArea {
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
      await this.store.copy(only.ref, target, { sha256 });
    } else {
      await this.store.putStream(target, this.stream(ref, size), { sha256 });
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

/** Re-cuts a stream into pieces of exactly `size` bytes (the last may be shorter). */
async function* inParts(
  source: AsyncIterable<Buffer | Uint8Array>,
  size: number,
): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of source) {
    let rest = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (rest.length > 0) {
      const take = Math.min(rest.length, size - pendingBytes);
      pending.push(rest.subarray(0, take));
      pendingBytes += take;
      rest = rest.subarray(take);
      if (pendingBytes === size) {
        yield Buffer.concat(pending, size);
        pending = [];
        pendingBytes = 0;
      }
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/** Passes a drop's bytes on and fails the stream at its end when they are not the SHA-256 named. */
class Sha256Check extends Transform {
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
