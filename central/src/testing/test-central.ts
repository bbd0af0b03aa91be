import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHUNK_PLACE_CONTEXT,
  DROP_PUT_CONTEXT,
  dropPutLink,
  uploadHeadersOf,
  verifyDrop,
  type DropPutInfo,
  type DropPutLinkOptions,
} from '@zra/shared';
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  isNonJsonSerializable,
  splitLink,
  type TRPCClient,
} from '@trpc/client';
import pg from 'pg';
import { DEFAULT_TIMEOUTS, type CentralConfig } from '../config.ts';
import { runMigrations } from '../db/migrate.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import type { AppRouter } from '../server/router.ts';
import { createTestDatabase } from '../../../scripts/harness/postgres.ts';
import { AMQP_URL, deleteQueues, uniqueQueuePrefix } from '../../../scripts/harness/rabbitmq.ts';
import { deadLetterQueueName, QUEUES, queueName } from '../queue/queue-names.ts';

/** A database, a blob folder and a queue prefix owned by one test file. */
export interface TestEnvironment {
  config: CentralConfig;
  pool: pg.Pool;
  cleanup(): Promise<void>;
}

/** Creates and migrates a fresh database, a temp BLOB_DIR and a unique QUEUE_PREFIX. */
export async function createTestEnvironment(label: string): Promise<TestEnvironment> {
  const db = await createTestDatabase(label);
  const blobDir = await mkdtemp(join(tmpdir(), `zra-${label}-`));
  const config: CentralConfig = {
    databaseUrl: db.url,
    logLevel: 'silent',
    timeouts: DEFAULT_TIMEOUTS,
    amqpUrl: AMQP_URL,
    queuePrefix: uniqueQueuePrefix(label),
    blobDir,
    port: 0,
    host: '127.0.0.1',
    rideModelsPath: new URL('../../../shared/ride-models/ride-models.json', import.meta.url)
      .pathname,
    rustBinDir: new URL('../../../rust/target/release', import.meta.url).pathname,
    jobTimeoutMs: 60_000,
    deliveryLimit: 3,
    // Tests queue many drops of one park with no worker running; the share has its own test.
    parkQueueShare: 1000,
    shutdownGraceMs: 10_000,
    heartbeatSilentMs: 600_000,
    // Tests change the fleet and read it back at once; the shared snapshot has its own test.
    fleetSnapshotMs: 0,
    fleetAvailabilityMs: 0,
    // Tests keep ride days themselves (ride-day-backfill.test.ts), not on a timer.
    rideDaysPerMinute: 0,
    abandonedUploadMs: 24 * 3_600_000,
    sessionTtlMs: 3_600_000,
    sessionCookieSecure: false,
    ingestRateLimit: { perSecond: 1000, burst: 10_000 },
    workerConcurrency: 1,
    stuckJobMs: 660_000,
    reportCatchUpMs: 35 * 86_400_000,
    verifyThreads: 1,
  };
  await runMigrations(db.url, createLogger('silent'));
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  // pool.end() resolves before its sockets have closed, and cleanup drops the database at
  // once: the server then ends those connections, which the pool reports as an 'error' that
  // would otherwise be an uncaught exception in whichever test file runs next.
  pool.on('error', () => undefined);
  return {
    config,
    pool,
    async cleanup() {
      await pool.end();
      await db.drop();
      // Whether or not this file's tests declared them: deleting a missing queue is a no-op.
      await deleteQueues(
        '',
        QUEUES.flatMap((q) => [
          queueName(config.queuePrefix, q),
          deadLetterQueueName(config.queuePrefix, q),
        ]),
      );
      await rm(blobDir, { recursive: true, force: true });
    },
  };
}

/**
 * The park most tests send drops as: `test-park`, in Europe/Rome (a zone an hour or two off
 * UTC, so a day's edges are not the UTC ones). Returns its token.
 */
export async function createTestPark(pool: pg.Pool): Promise<string> {
  const { token } = await createPark(pool, {
    id: 'test-park',
    name: 'Test Park',
    timezone: 'Europe/Rome',
  });
  return token;
}

/**
 * A tRPC client as the park agent builds it: a drop sent whole to `POST /ingest/put`, binary
 * chunks and FormData through `httpLink` (a chunk's place in its headers), JSON batched.
 * `putPath` reaches the put's link (its clock, its "path unknown" callback, its fetch).
 */
export function createParkClient(
  baseUrl: string,
  token: string,
  putPath: Pick<DropPutLinkOptions, 'now' | 'onPathUnknown' | 'fetch'> = {},
): TRPCClient<AppRouter> {
  const url = `${baseUrl}/trpc`;
  const headers = () => ({ authorization: `Bearer ${token}` });
  return createTRPCClient<AppRouter>({
    links: [
      dropPutLink({ baseUrl, headers, ...putPath }),
      splitLink({
        condition: (op) => isNonJsonSerializable(op.input),
        true: httpLink({
          url,
          headers: ({ op }) => ({ ...headers(), ...uploadHeadersOf(op.context) }),
        }),
        false: httpBatchLink({ url, headers }),
      }),
    ],
  });
}

/** Sends one chunk the way the agent does: its bytes as the body (`ingest.chunkBytes`). */
export function sendChunk(
  client: TRPCClient<AppRouter>,
  uploadId: string,
  offset: number,
  bytes: Uint8Array,
): Promise<{ offset: number }> {
  return client.ingest.chunkBytes.mutate(bytes, {
    context: { [CHUNK_PLACE_CONTEXT]: { uploadId, offset } },
  });
}

/** Sends one chunk as older agents do: a multipart form (`ingest.chunk`). */
export function sendChunkForm(
  client: TRPCClient<AppRouter>,
  uploadId: string,
  offset: number,
  bytes: Uint8Array,
): Promise<{ offset: number }> {
  const form = new FormData();
  form.set('uploadId', uploadId);
  form.set('offset', String(offset));
  form.set('chunk', new Blob([bytes]));
  return client.ingest.chunk.mutate(form);
}

/** `ingest.begin`'s input for a zip, as the agent works it out. */
export function beginInputOf(zip: Buffer, fileName: string) {
  const verdict = verifyDrop(zip);
  // A broken zip has no content id; the agent then sends its SHA-256 in its place.
  const sha256 = createHash('sha256').update(zip).digest('hex');
  const contentId = verdict.ok ? verdict.contentId : sha256;
  return { sha256, contentId, bytes: zip.length, fileName };
}

/**
 * Sends a whole zip in one request (`ingest.put`), as the agent sends a drop that fits in one
 * chunk. Its headers declare what the agent would work out, or what `info` says instead (with
 * the SHA-256 and content id given, the zip is not verified here first).
 */
export function putDrop(
  client: TRPCClient<AppRouter>,
  zip: Uint8Array,
  fileName: string,
  info: Partial<DropPutInfo> = {},
) {
  const { sha256, contentId } = info;
  const worked =
    sha256 && contentId
      ? { sha256, contentId, bytes: zip.length, fileName }
      : beginInputOf(Buffer.from(zip), fileName);
  const declared: DropPutInfo = { ...worked, ...info };
  return client.ingest.put.mutate(zip, { context: { [DROP_PUT_CONTEXT]: declared } });
}

/** Begins a new upload of a zip central does not have yet, and answers its upload id. */
export async function beginUpload(
  client: TRPCClient<AppRouter>,
  zip: Buffer,
  fileName: string,
): Promise<string> {
  const begun = await client.ingest.begin.mutate(beginInputOf(zip, fileName));
  if (begun.status !== 'upload') throw new Error(`expected an upload, got ${begun.status}`);
  return begun.uploadId;
}

/** Uploads a whole zip: begin, chunks from the offset central holds, commit. */
export async function uploadDrop(
  client: TRPCClient<AppRouter>,
  zip: Buffer,
  fileName: string,
  chunkBytes = 64 * 1024,
) {
  const begun = await client.ingest.begin.mutate(beginInputOf(zip, fileName));
  if (begun.status === 'duplicate') return begun;
  let offset = begun.offset;
  while (offset < zip.length) {
    const next = await sendChunk(
      client,
      begun.uploadId,
      offset,
      zip.subarray(offset, offset + chunkBytes),
    );
    offset = next.offset;
  }
  return client.ingest.commit.mutate({ uploadId: begun.uploadId });
}
