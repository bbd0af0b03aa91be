import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
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
import { BlobMissingError } from './blob-errors.ts';
import type { BytePieces } from './byte-pieces.ts';
import { BLOB_DIR_MODE } from './blob-files.ts';
import type { BlobRead, BlobStore, UploadArea } from './blob-store.ts';
import { BlobStoreRefusedError, s3Failure } from './s3-errors.ts';
import type { S3Settings } from './s3-settings.ts';
import { S3Uploads } from './s3-uploads.ts';
import { checkedStream, dropSha256 } from './sha256-check.ts';

/** How long the clean-up of a failed multipart upload may take before it is left to the store. */
const ABORT_DEADLINE_MS = 5000;

/**
 * The blob store in an S3-compatible object store (AWS S3, Ceph RGW, Garage): one bucket,
 * keys `blobs/<sha[0:2]>/<sha>.zip`, `uploads/<uploadId>/<offset>` (each chunk of an upload in
 * progress as its own object, so any API replica can take the next chunk) and
 * `reports/<reportId>/<file>`; references are `s3://bucket/key`. Bytes stream in and out
 * (a part of at most `partBytes` is held in memory), objects above `partBytes` go up as
 * multipart uploads, every object carries its SHA-256 (a checksum the store checks on the way
 * in, and the `sha256` metadata), and an object read whole is checked against it on the way
 * out (a drop against the SHA-256 in its key). Scratch files of jobs stay on local disk under
 * `root/tmp`.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  readonly uploads: UploadArea;
  private readonly client: S3Client;

  constructor(
    private readonly settings: S3Settings,
    readonly root: string,
  ) {
    this.client = new S3Client({
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
      // Limits of inactivity: connecting, and a socket that carries nothing either way (a
      // frozen store or a silent link, also in the middle of a body being read). A call's
      // answer has its own deadline (call()). Not `requestTimeout`: in this SDK it only logs a
      // warning (to the console) unless told to throw, and it would bound a whole transfer.
      requestHandler: {
        connectionTimeout: Math.min(5000, settings.timeoutMs),
        socketTimeout: settings.timeoutMs,
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

  /**
   * The scratch folder on local disk, then one question to the bucket. A store that answers
   * "no" (a wrong key, no such bucket: the configuration) fails the start-up with the fix; one
   * that does not answer does not: a job pod or API replica started during an outage of the
   * store comes up, and each call then waits it out or answers "try again", as for an outage
   * that begins later.
   */
  async init(): Promise<void> {
    await mkdir(join(this.root, 'tmp'), { recursive: true, mode: BLOB_DIR_MODE });
    try {
      await this.call('reach the bucket', `s3://${this.settings.bucket}/`, (signal) =>
        this.client.send(new HeadBucketCommand({ Bucket: this.settings.bucket }), {
          abortSignal: signal,
        }),
      );
    } catch (err) {
      if (err instanceof BlobStoreRefusedError) throw err;
    }
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

  /** One object, written under the blob's name (no upload object, copy or clean-up). */
  async storeBytes(data: BytePieces, sha256: string): Promise<string> {
    const ref = this.blobPath(sha256);
    // The SDK sends one body of a known length, and a retried request sends it again.
    await this.putBuffer(ref, data.joined(), sha256);
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

  /**
   * Checked against the SHA-256 in a drop's key, or the `sha256` metadata every object central
   * writes carries; an object without either (written by someone else) passes unchecked.
   */
  async read(ref: string): Promise<BlobRead> {
    const { size, body, sha256 } = await this.get(ref);
    const stream = this.failuresOf(body, ref);
    return { size, stream: checkedStream(stream, ref, dropSha256(ref) ?? sha256, size) };
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
    await this.removeAll([ref]);
  }

  async removeAll(refs: readonly string[]): Promise<void> {
    const [first] = refs;
    if (first === undefined) return;
    await this.deleteKeys(
      refs.map((ref) => this.key(ref)),
      refs.length === 1 ? first : `${first} and ${refs.length - 1} more`,
    );
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
      throw s3Failure(err, what, ref);
    } finally {
      clearTimeout(timer);
    }
  }

  /** An object's (or a range's) body as a stream, with the SHA-256 its metadata names. */
  async get(
    ref: string,
    range?: string,
  ): Promise<{ size: number; body: Readable; sha256: string | undefined }> {
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
    const sha256 = r.Metadata?.sha256;
    return {
      size: r.ContentLength ?? 0,
      body: r.Body,
      sha256: sha256 && /^[0-9a-f]{64}$/.test(sha256) ? sha256 : undefined,
    };
  }

  /** A body whose socket fails mid-way fails with the store's outage, not a bare socket error. */
  failuresOf(body: Readable, ref: string): Readable {
    const out = new Transform({
      transform(chunk: Buffer, _enc, done) {
        done(null, chunk);
      },
    });
    body.on('error', (err) => out.destroy(s3Failure(err, 'send an object', ref)));
    return body.pipe(out);
  }

  /**
   * Puts bytes already in memory as one object, with their SHA-256 for the store to check on
   * the way in and as metadata for central to check on the way out; `sha256` when the caller
   * has already computed it (a put's drop), so the bytes are not hashed twice.
   */
  async putBuffer(ref: string, data: Buffer, sha256?: string): Promise<void> {
    const digest = sha256 ? Buffer.from(sha256, 'hex') : createHash('sha256').update(data).digest();
    await this.call('store an object', ref, (signal) =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: this.key(ref),
          Body: data,
          ContentLength: data.length,
          ChecksumSHA256: digest.toString('base64'),
          Metadata: { sha256: digest.toString('hex') },
        }),
        { abortSignal: signal },
      ),
    );
  }

  /**
   * Puts a local file: one object up to `partBytes`, a multipart upload above (its SHA-256, the
   * metadata, is read from the file first when the caller does not know it).
   */
  async putFile(ref: string, path: string, sha256?: string): Promise<void> {
    const size = (await stat(path)).size;
    if (size <= this.settings.partBytes) {
      const file = await open(path, 'r');
      try {
        const data = Buffer.alloc(size);
        const { bytesRead } = await file.read(data, 0, size, 0);
        if (bytesRead !== size) throw new Error(`${path} changed while it was being stored`);
        await this.putBuffer(ref, data);
      } finally {
        await file.close();
      }
      return;
    }
    await this.putStream(ref, createReadStream(path), sha256 ?? (await fileSha256(path)));
  }

  /**
   * A multipart upload of a stream whose SHA-256 is known, `partBytes` per part (one part in
   * memory at a time), each part checked by the store; a failure aborts the upload, so no half
   * object ever appears under the name.
   */
  async putStream(
    ref: string,
    source: AsyncIterable<Buffer | Uint8Array>,
    sha256: string,
  ): Promise<void> {
    const Bucket = this.settings.bucket;
    const Key = this.key(ref);
    const created = await this.call('start a multipart upload', ref, (signal) =>
      this.client.send(
        new CreateMultipartUploadCommand({
          Bucket,
          Key,
          ChecksumAlgorithm: 'SHA256',
          Metadata: { sha256 },
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
      // Best effort: with the store down this fails too, and the parts stay until the bucket's
      // clean-up of incomplete uploads (docs/operations.md) removes them.
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }), {
          abortSignal: AbortSignal.timeout(ABORT_DEADLINE_MS),
        })
        .catch(() => undefined);
      throw err;
    }
  }

  /** Server-side copy (no byte passes through central), with its SHA-256 as metadata. */
  async copy(fromRef: string, toRef: string, sha256: string): Promise<void> {
    await this.call('copy an object', fromRef, (signal) =>
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.settings.bucket,
          Key: this.key(toRef),
          CopySource: `${this.settings.bucket}/${encodeURIComponent(this.key(fromRef)).replaceAll('%2F', '/')}`,
          MetadataDirective: 'REPLACE',
          Metadata: { sha256 },
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
      const answer = await this.call('delete objects', ref, (signal) =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.settings.bucket,
            Delete: { Objects, Quiet: true },
          }),
          { abortSignal: signal },
        ),
      );
      // The call succeeds and lists the keys it could not delete (a missing key is not one):
      // each of those is still there, so the delete failed.
      const failed = answer.Errors ?? [];
      const [first] = failed;
      if (first) {
        throw s3Failure(
          {
            name: first.Code,
            message: first.Message,
            $metadata: { httpStatusCode: first.Code === 'AccessDenied' ? 403 : 500 },
          },
          `delete ${failed.length} of ${Objects.length} objects`,
          ref,
        );
      }
    }
  }

  /** Closes the client's sockets. */
  destroy(): void {
    this.client.destroy();
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

/** The SHA-256 of a local file, read as a stream. */
async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest('hex');
}
