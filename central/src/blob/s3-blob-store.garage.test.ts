import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infrastructureFault } from '../infra/infrastructure-fault.ts';
import { blobStoreContract, collect } from '../testing/blob-store-contract.ts';
import {
  GARAGE_HOOK_TIMEOUT_MS,
  garageBlobStore,
  rawGarageClient,
} from '../testing/garage-store.ts';
import { startGarage, type GarageServer } from '../../../scripts/harness/garage.ts';
import { startTcpProxy, type TcpProxy } from '../../../scripts/harness/tcp-proxy.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { BlobDamagedError } from './blob-errors.ts';
import type { S3BlobStore } from './s3-blob-store.ts';
import { MIN_S3_PART_BYTES } from './s3-settings.ts';

// One Garage for the file: the contract, then what only an object store does.
let garage: GarageServer;
let raw: S3Client;
const roots: string[] = [];

beforeAll(async () => {
  garage = await startGarage('s3-store');
  raw = rawGarageClient(garage);
}, GARAGE_HOOK_TIMEOUT_MS);

afterAll(async () => {
  raw?.destroy();
  await garage?.destroy();
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function scratchRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'zra-s3-store-'));
  roots.push(root);
  return root;
}

/** Splits `s3://bucket/key`. */
function bucketKey(ref: string): { Bucket: string; Key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(ref);
  if (!m?.[1] || !m[2]) throw new Error(`not an s3:// reference: ${ref}`);
  return { Bucket: m[1], Key: m[2] };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

blobStoreContract(
  'Garage (BLOB_STORE=s3)',
  async () => {
    // Beside other installs in the bucket, as S3_PREFIX allows.
    const store = garageBlobStore(garage, await scratchRoot(), { prefix: 'contract/' });
    return {
      store,
      // Behind the store's back, through the S3 API, keeping the metadata it wrote.
      overwrite: async (ref, bytes) => {
        const head = await raw.send(new HeadObjectCommand(bucketKey(ref)));
        await raw.send(
          new PutObjectCommand({ ...bucketKey(ref), Body: bytes, Metadata: head.Metadata }),
        );
      },
      close: async () => store.destroy(),
    };
  },
  GARAGE_HOOK_TIMEOUT_MS,
);

describe('the S3 blob store against Garage', () => {
  let store: S3BlobStore;

  beforeAll(async () => {
    store = garageBlobStore(garage, await scratchRoot(), { prefix: 'only-s3/' });
    await store.init();
  });

  afterAll(() => store?.destroy());

  it('stores a drop above S3_PART_MB as a multipart upload of parts that size, and reads it back checked', async () => {
    const data = randomBytes(2 * MIN_S3_PART_BYTES + 123_456);
    const local = store.tmpPath('.zip');
    await writeFile(local, data);
    const ref = await store.storeBlob(local, sha256(data));
    const part1 = await raw.send(new HeadObjectCommand({ ...bucketKey(ref), PartNumber: 1 }));
    expect(part1.PartsCount).toBe(3);
    expect(part1.ContentLength).toBe(MIN_S3_PART_BYTES);
    const read = await store.read(ref);
    expect(read.size).toBe(data.length);
    expect(sha256(await collect(read.stream))).toBe(sha256(data));
  });

  it('promotes an upload of many small chunks larger than a part by streaming it into a multipart upload', async () => {
    const data = randomBytes(MIN_S3_PART_BYTES + 700_000);
    const ref = await store.uploads.create(randomUUID());
    const chunk = 1024 * 1024;
    for (let at = 0; at < data.length; at += chunk) {
      await store.uploads.write(ref, at, data.subarray(at, at + chunk));
    }
    const blob = await store.uploads.promote(ref, data.length, sha256(data));
    const part1 = await raw.send(new HeadObjectCommand({ ...bucketKey(blob), PartNumber: 1 }));
    expect(part1.PartsCount).toBe(2);
    expect(sha256(await collect((await store.read(blob)).stream))).toBe(sha256(data));
    await store.uploads.remove(ref);
  });

  it("writes each object's SHA-256 as metadata and checks it on read: a report file changed behind its back fails", async () => {
    const reportId = randomUUID();
    const dir = store.reportDir(reportId);
    await mkdir(dir, { recursive: true });
    const html = Buffer.from('<html><body>the report</body></html>');
    await writeFile(join(dir, 'report.html'), html);
    const refs = await store.storeReport(reportId, { html: join(dir, 'report.html') });
    const head = await raw.send(new HeadObjectCommand(bucketKey(refs.html)));
    expect(head.Metadata?.sha256).toBe(sha256(html));
    // Same length, one byte changed, metadata kept: only the checksum can tell.
    const changed = Buffer.from(html);
    changed[10] = 0x21;
    await raw.send(
      new PutObjectCommand({ ...bucketKey(refs.html), Body: changed, Metadata: head.Metadata }),
    );
    await expect(collect((await store.read(refs.html)).stream)).rejects.toBeInstanceOf(
      BlobDamagedError,
    );
  });

  it('gives a job no local copy of a damaged drop: the scratch file is removed and the error says what happened', async () => {
    const data = randomBytes(50_000);
    const local = store.tmpPath('.zip');
    await writeFile(local, data);
    const ref = await store.storeBlob(local, sha256(data));
    await raw.send(new PutObjectCommand({ ...bucketKey(ref), Body: randomBytes(50_000) }));
    const before = new Set(await readdir(join(store.root, 'tmp')));
    let ran = false;
    const err = await store
      .withLocalFile(ref, async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlobDamagedError);
    expect((err as Error).message).toContain(sha256(data));
    expect(ran).toBe(false);
    expect((await readdir(join(store.root, 'tmp'))).filter((f) => !before.has(f))).toEqual([]);
  });

  it('keys every object under S3_PREFIX and names them s3://bucket/key', async () => {
    const data = randomBytes(100);
    const local = store.tmpPath('.zip');
    await writeFile(local, data);
    const ref = await store.storeBlob(local, sha256(data));
    const sha = sha256(data);
    expect(ref).toBe(`s3://${garage.bucket}/only-s3/blobs/${sha.slice(0, 2)}/${sha}.zip`);
    const got = await raw.send(new GetObjectCommand(bucketKey(ref)));
    expect(got.ContentLength).toBe(100);
    await got.Body?.transformToByteArray();
  });

  it('relies on a store that checks the SHA-256 sent with each put: Garage refuses bytes that do not match it', async () => {
    const body = Buffer.from('the bytes that left central');
    const other = createHash('sha256').update('other bytes').digest('base64');
    const err = await raw
      .send(
        new PutObjectCommand({
          Bucket: garage.bucket,
          Key: 'only-s3/checksum-probe',
          Body: body,
          ChecksumSHA256: other,
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ $metadata: { httpStatusCode: 400 } });
    await expect(
      raw.send(new HeadObjectCommand({ Bucket: garage.bucket, Key: 'only-s3/checksum-probe' })),
    ).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('refuses a reference of the filesystem store in words', async () => {
    await expect(store.exists('/var/lib/zra/blobs/ab/x.zip')).rejects.toThrow(
      /another blob store.*BLOB_STORE=filesystem/,
    );
  });

  it("says wrong credentials at start-up as the blob store's outage, naming the Secret to check", async () => {
    const wrong = garageBlobStore(garage, await scratchRoot(), {
      credentials: {
        accessKeyId: garage.accessKeyId,
        secretAccessKey: 'not-the-secret-key-at-all',
      },
    });
    const err = await wrong.init().catch((e: unknown) => e);
    wrong.destroy();
    expect(infrastructureFault(err)).toMatchObject({ dependency: 'blob-store', timeout: false });
    expect((err as Error).message).toMatch(
      /refused to reach the bucket \(HTTP 403\).*the Secret central-blob-store/,
    );
  });
});

describe('streams, never whole objects in memory', () => {
  let proxy: TcpProxy;
  let store: S3BlobStore;
  /** Bytes that crossed the proxy from Garage towards the store. */
  let toStore = 0;

  beforeAll(async () => {
    proxy = await startTcpProxy({
      targetHost: '127.0.0.1',
      targetPort: garage.s3Port,
      onData: (direction, chunk) => {
        if (direction === 'to-client') toStore += chunk.length;
      },
    });
    store = garageBlobStore(garage, await scratchRoot(), {
      endpoint: proxy.url,
      prefix: 'streams/',
    });
    await store.init();
  });

  afterAll(async () => {
    store?.destroy();
    await proxy?.close();
  });

  it('sends a large object part by part: it pulls from its source at most about one part ahead of what reached the store', async () => {
    const total = 6 * MIN_S3_PART_BYTES;
    const piece = 256 * 1024;
    let pulled = 0;
    let ahead = 0;
    const hash = createHash('sha256');
    const pieces = Array.from({ length: total / piece }, () => randomBytes(piece));
    for (const p of pieces) hash.update(p);
    proxy.resetCount();
    async function* source(): AsyncIterable<Buffer> {
      for (const p of pieces) {
        pulled += p.length;
        ahead = Math.max(ahead, pulled - proxy.bytesToTarget);
        yield p;
      }
    }
    const ref = store.ref(`reports/${randomUUID()}/big.bin`);
    await store.putStream(ref, source(), hash.digest('hex'));
    expect(pulled).toBe(total);
    // A store that read the whole source first would be `total` ahead.
    expect(ahead).toBeLessThanOrEqual(MIN_S3_PART_BYTES + piece);
    const read = await store.read(ref);
    expect(read.size).toBe(total);
    await collect(read.stream);
  });

  it('reads a large object as the reader consumes it: a reader that stops after its first piece holds the rest on the wire', async () => {
    const data = randomBytes(12 * MIN_S3_PART_BYTES);
    const local = store.tmpPath('.zip');
    await writeFile(local, data);
    const ref = await store.storeBlob(local, sha256(data));
    toStore = 0;
    const { stream } = await store.read(ref);
    const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
    stream.pause();
    expect(first.length).toBeGreaterThan(0);
    // Wait until no more bytes arrive (socket buffers full), then compare with the object.
    let last = -1;
    const held = await waitFor(
      'the transfer to stall behind the paused reader',
      async () => {
        const now = toStore;
        const stalled = now === last;
        last = now;
        return stalled && now;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(held).toBeLessThan(data.length / 2);
    stream.resume();
    const rest = await collect(stream);
    expect(sha256(Buffer.concat([first, rest]))).toBe(sha256(data));
  });
});
