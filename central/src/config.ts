import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RIDE_MODELS_PATH } from '@zra/shared';
import { z } from 'zod';
import type { BlobStoreSettings } from './blob/s3-settings.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What an operator should put in each variable; shown next to any problem with it. */
const HINTS: Record<string, string> = {
  DATABASE_URL: 'set DATABASE_URL=postgres://user@host:5432/db',
  AMQP_URL: 'set AMQP_URL=amqp://user:password@host:5672',
  QUEUE_PREFIX: 'set QUEUE_PREFIX to letters, digits, dots, dashes or underscores (or leave unset)',
  BLOB_DIR: 'set BLOB_DIR to an absolute directory path where drops and reports are kept',
  PORT: 'set PORT to a TCP port number (1-65535; 0 picks a free one)',
  HOST: 'set HOST to the address to listen on, e.g. 127.0.0.1 or 0.0.0.0',
  RIDE_MODELS_PATH: 'set RIDE_MODELS_PATH to the ride-models.json file',
  RUST_BIN_DIR: 'set RUST_BIN_DIR to the folder holding the postprocessor and reporter binaries',
  LOG_LEVEL: 'set LOG_LEVEL to one of fatal, error, warn, info, debug, trace, silent',
  JOB_TIMEOUT_S: 'set JOB_TIMEOUT_S to the seconds a Rust job may run before it is killed',
  DELIVERY_LIMIT: 'set DELIVERY_LIMIT to how many deliveries a job gets before it is failed',
  PARK_QUEUE_SHARE:
    "set PARK_QUEUE_SHARE to how many of one park's drops may wait in or run from the postprocess queue at once (1-1000)",
  RIDE_DAYS_PER_MIN:
    "set RIDE_DAYS_PER_MIN to how many rides' year of days may be computed ahead of their first view each minute (0-600; 0 leaves it to the first view)",
  FLEET_SNAPSHOT_S:
    'set FLEET_SNAPSHOT_S to the seconds one computed fleet page may be shown to everyone asking (0-300; 0 computes it per request)',
  FLEET_AVAILABILITY_S:
    "set FLEET_AVAILABILITY_S to the seconds the fleet page's availability today may be kept (0-600; 0 counts it with every fleet page)",
  HEARTBEAT_SILENT_MIN:
    'set HEARTBEAT_SILENT_MIN to the minutes without a heartbeat after which a park counts as silent',
  ABANDONED_UPLOAD_H:
    'set ABANDONED_UPLOAD_H to the hours an unfinished upload may sit idle before it is deleted',
  SHUTDOWN_GRACE_S:
    'set SHUTDOWN_GRACE_S to the seconds in-flight requests get to finish after SIGTERM',
  SESSION_TTL_H: 'set SESSION_TTL_H to the hours a dashboard login lasts',
  SESSION_COOKIE_SECURE:
    'set SESSION_COOKIE_SECURE to true (HTTPS, the default) or false (plain HTTP on a trusted network)',
  INGEST_RATE_PER_S: 'set INGEST_RATE_PER_S to the ingest calls per second one park token may make',
  INGEST_BURST: 'set INGEST_BURST to the ingest calls one park token may make at once',
  WORKER_CONCURRENCY:
    'set WORKER_CONCURRENCY to how many jobs one long-running worker runs at once',
  RUN_HEARTBEAT_S:
    'set RUN_HEARTBEAT_S to how often, in seconds, a worker records that it is still on a job (e.g. 20)',
  WORKER_MAX_RUN_S:
    'set WORKER_MAX_RUN_S to the seconds a drain-mode worker keeps taking jobs before it exits (e.g. 2700), or leave it unset for no limit',
  WORKER_DRAIN_WAIT_S:
    'set WORKER_DRAIN_WAIT_S to the seconds a drain-mode worker waits, once its queues are empty, for drops the outbox still holds (0-300, e.g. 5)',
  STUCK_JOB_MIN:
    'set STUCK_JOB_MIN to the minutes after which a job with no end is taken as abandoned',
  VERIFY_THREADS: 'set VERIFY_THREADS to how many threads verify committed drops (1-16)',
  REPORT_CATCHUP_D:
    'set REPORT_CATCHUP_D to how many days back missed report firings are made up (0: none)',
  DB_CONNECT_TIMEOUT_S:
    'set DB_CONNECT_TIMEOUT_S to the seconds a new PostgreSQL connection may take (e.g. 10)',
  DB_STATEMENT_TIMEOUT_S:
    'set DB_STATEMENT_TIMEOUT_S to the seconds one SQL statement may run (e.g. 60)',
  AMQP_HEARTBEAT_S:
    'set AMQP_HEARTBEAT_S to the RabbitMQ heartbeat interval in seconds (e.g. 10; two missed beats end the connection)',
  AMQP_TIMEOUT_S:
    'set AMQP_TIMEOUT_S to the seconds RabbitMQ may take to open a connection or confirm a publish (e.g. 15)',
  TRUSTED_PROXIES:
    'set TRUSTED_PROXIES to the addresses or CIDR ranges of the reverse proxies in front of central, comma-separated (e.g. 10.0.0.0/8), or leave unset when clients connect directly',
  ALLOWED_HOSTS:
    'set ALLOWED_HOSTS to the host names clients use to reach central, comma-separated (e.g. central.example.com); IP addresses and localhost are always allowed',
  METRICS_PORT:
    'set METRICS_PORT to the TCP port of the /metrics listener (1-65535; 0 picks a free one), not the API port',
  METRICS_HOST: 'set METRICS_HOST to the address the /metrics listener binds, e.g. 127.0.0.1',
  PARK_STORED_QUOTA_GB:
    'set PARK_STORED_QUOTA_GB to the gigabytes of drops one park may have stored at central',
  LOGIN_GLOBAL_PER_S:
    'set LOGIN_GLOBAL_PER_S to the sign-in attempts per second central checks from browsers it does not know, all sources together (e.g. 5)',
  PARK_INFLIGHT_MB:
    'set PARK_INFLIGHT_MB to the megabytes of unfinished uploads one park may hold at central at once',
  RETAIN_CYCLES_D:
    'set RETAIN_CYCLES_D to the days per-cycle rows (cycles, breaches, data-quality findings) are kept, at least 400 (the dashboard shows a ride over 366 days), or leave it unset to keep them',
  GATEWAY_CREDENTIALS_KEY:
    'set GATEWAY_CREDENTIALS_KEY from its Kubernetes Secret to 32 random bytes, base64 (e.g. `openssl rand -base64 32`); central seals the gateway credentials of central-pull rides with it',
  DOWNLOAD_FILES_PER_JOB:
    'set DOWNLOAD_FILES_PER_JOB to how many gateway files one download job takes at most (1-10000); the rest is queued as the next job',
  BLOB_STORE:
    'set BLOB_STORE to filesystem (drops under BLOB_DIR, the default) or s3 (an S3-compatible object store; BLOB_DIR then holds scratch files only)',
  S3_BUCKET: 'set S3_BUCKET to the name of an existing bucket central may read and write',
  S3_ENDPOINT:
    "set S3_ENDPOINT to the object store's URL (e.g. http://garage.storage:3900), or leave it unset for AWS S3",
  S3_REGION: "set S3_REGION to the store's region (AWS: e.g. eu-south-1; Garage: its s3_region)",
  S3_PREFIX: 'set S3_PREFIX to a key prefix ending in / (e.g. zamperla/), or leave it unset',
  S3_FORCE_PATH_STYLE:
    'set S3_FORCE_PATH_STYLE to true (endpoint/bucket/key, self-hosted stores) or false (bucket.endpoint/key)',
  S3_ACCESS_KEY_ID:
    "set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY together (from the blob-store Secret), or neither to use the SDK's credential chain (IRSA, instance role)",
  S3_SECRET_ACCESS_KEY:
    "set S3_SECRET_ACCESS_KEY and S3_ACCESS_KEY_ID together (from the blob-store Secret), or neither to use the SDK's credential chain",
  S3_TIMEOUT_S:
    'set S3_TIMEOUT_S to the seconds an object-store call may send or receive nothing before it fails (e.g. 30)',
  S3_PART_MB: 'set S3_PART_MB to the multipart part size in MiB (5-512)',
  RETAIN_BLOBS_D:
    "set RETAIN_BLOBS_D to the days the drops' zip files are kept, at least 30 (a failed drop is retried from its file), or leave it unset to keep them",
};

const url = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((u) => protocols.includes(new URL(u).protocol), {
      message: `expected a ${protocols.join(' or ')} URL`,
    });

const absolutePath = z.string().refine((p) => p.startsWith('/'), 'expected an absolute path');

/** A comma-separated list; blanks around items and empty items are ignored. */
const list = (check: (item: string) => string | null) =>
  z
    .string()
    .default('')
    .transform((value, ctx) => {
      const items = value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      for (const item of items) {
        const problem = check(item);
        if (problem) ctx.addIssue({ code: 'custom', message: `"${item}": ${problem}` });
      }
      return items;
    });

const seconds = (fallback: number) => z.coerce.number().positive().max(3600).default(fallback);

const databaseEnvSchema = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_CONNECT_TIMEOUT_S: seconds(10),
  DB_STATEMENT_TIMEOUT_S: seconds(60),
  AMQP_HEARTBEAT_S: z.coerce.number().int().min(1).max(600).default(10),
  AMQP_TIMEOUT_S: seconds(15),
});

const fullEnvSchema = databaseEnvSchema.extend({
  AMQP_URL: url(['amqp:', 'amqps:']),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/)
    .default(''),
  BLOB_DIR: absolutePath,
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  RIDE_MODELS_PATH: absolutePath.default(DEFAULT_RIDE_MODELS_PATH),
  RUST_BIN_DIR: absolutePath.default(`${REPO_ROOT}rust/target/release`),
  JOB_TIMEOUT_S: z.coerce.number().int().positive().default(600),
  DELIVERY_LIMIT: z.coerce.number().int().min(1).max(100).default(5),
  PARK_QUEUE_SHARE: z.coerce.number().int().min(1).max(1000).default(1),
  SHUTDOWN_GRACE_S: z.coerce.number().int().min(0).max(3600).default(30),
  HEARTBEAT_SILENT_MIN: z.coerce.number().positive().max(10_080).default(10),
  FLEET_SNAPSHOT_S: z.coerce.number().min(0).max(300).default(10),
  FLEET_AVAILABILITY_S: z.coerce.number().min(0).max(600).default(60),
  RIDE_DAYS_PER_MIN: z.coerce.number().int().min(0).max(600).default(4),
  ABANDONED_UPLOAD_H: z.coerce.number().positive().max(8_760).default(24),
  SESSION_TTL_H: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(12),
  SESSION_COOKIE_SECURE: z.enum(['true', 'false']).default('true'),
  INGEST_RATE_PER_S: z.coerce.number().positive().max(100_000).default(20),
  INGEST_BURST: z.coerce.number().int().min(1).max(100_000).default(100),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  WORKER_MAX_RUN_S: z.coerce.number().int().positive().max(604_800).optional(),
  WORKER_DRAIN_WAIT_S: z.coerce.number().min(0).max(300).default(5),
  RUN_HEARTBEAT_S: z.coerce.number().positive().max(3600).default(20),
  STUCK_JOB_MIN: z.coerce.number().positive().max(10_080).optional(),
  REPORT_CATCHUP_D: z.coerce.number().min(0).max(366).default(35),
  VERIFY_THREADS: z.coerce.number().int().min(1).max(16).default(2),
  TRUSTED_PROXIES: list(proxyProblem),
  ALLOWED_HOSTS: list(hostProblem),
  // Default 9464; with PORT=0 (a free port: tests, several APIs on one machine) a free one too.
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).optional(),
  LOGIN_GLOBAL_PER_S: z.coerce.number().positive().max(10_000).default(5),
  PARK_STORED_QUOTA_GB: z.coerce.number().positive().max(1_000_000).default(1000),
  PARK_INFLIGHT_MB: z.coerce.number().positive().max(1_000_000).default(1024),
  RETAIN_CYCLES_D: z.coerce.number().int().min(400).max(36_500).optional(),
  RETAIN_BLOBS_D: z.coerce.number().int().min(30).max(36_500).optional(),
  GATEWAY_CREDENTIALS_KEY: z
    .string()
    .refine((k) => credentialsKeyBytes(k) !== null, 'expected 32 bytes, base64 or hex')
    .optional(),
  DOWNLOAD_FILES_PER_JOB: z.coerce.number().int().min(1).max(10_000).default(100),
  BLOB_STORE: z.enum(['filesystem', 's3']).default('filesystem'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected a bucket name')
    .optional(),
  S3_ENDPOINT: url(['http:', 'https:']).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9._-]+\/)*$/, 'expected path segments each ending in /')
    .default(''),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_TIMEOUT_S: seconds(30),
  S3_PART_MB: z.coerce.number().int().min(5).max(512).default(8),
});

/** Settings every command needs: where the database is, how much to log, network timeouts. */
export interface DatabaseConfig {
  databaseUrl: string;
  logLevel: z.infer<typeof databaseEnvSchema>['LOG_LEVEL'];
  timeouts: NetworkTimeouts;
}

/**
 * How long central waits on the network before it calls a dependency stalled. A link that
 * stops answering (a lost NAT entry: packets accepted, never answered) is only ever noticed
 * by a timeout, so every call to PostgreSQL and RabbitMQ has one.
 */
export interface NetworkTimeouts {
  /** Opening a PostgreSQL connection (TCP, start-up, authentication), or waiting for a free one. */
  dbConnectMs: number;
  /**
   * PostgreSQL cancels a statement that runs longer, and ends a session left idle inside a
   * transaction this long (a client that vanished must not keep its row locks).
   */
  dbStatementMs: number;
  /** The client stops waiting for an answer this long after a query left (a silent link). */
  dbQueryMs: number;
  /** RabbitMQ heartbeat interval in seconds; two silent intervals end the connection. */
  amqpHeartbeatS: number;
  /** Opening a RabbitMQ connection (TCP and AMQP handshake); waiting for publish confirms. */
  amqpTimeoutMs: number;
}

/** The timeouts of the environment variables' defaults. */
export const DEFAULT_TIMEOUTS: NetworkTimeouts = timeoutsFrom({
  DB_CONNECT_TIMEOUT_S: 10,
  DB_STATEMENT_TIMEOUT_S: 60,
  AMQP_HEARTBEAT_S: 10,
  AMQP_TIMEOUT_S: 15,
});

function timeoutsFrom(e: {
  DB_CONNECT_TIMEOUT_S: number;
  DB_STATEMENT_TIMEOUT_S: number;
  AMQP_HEARTBEAT_S: number;
  AMQP_TIMEOUT_S: number;
}): NetworkTimeouts {
  const statementMs = e.DB_STATEMENT_TIMEOUT_S * 1000;
  return {
    dbConnectMs: e.DB_CONNECT_TIMEOUT_S * 1000,
    dbStatementMs: statementMs,
    // A little longer than the server's own limit, so a slow statement ends with PostgreSQL's
    // clean cancel and only a silent link ends with the client's timeout.
    dbQueryMs: statementMs + Math.min(5000, Math.max(1000, statementMs / 4)),
    amqpHeartbeatS: e.AMQP_HEARTBEAT_S,
    amqpTimeoutMs: e.AMQP_TIMEOUT_S * 1000,
  };
}

/** Everything the API server and the worker need. */
export interface CentralConfig extends DatabaseConfig {
  amqpUrl: string;
  /** Prepended to every queue name, so tests and tenants can share one broker. */
  queuePrefix: string;
  /** Root of blobs/, uploads/ and reports/. */
  blobDir: string;
  port: number;
  host: string;
  rideModelsPath: string;
  rustBinDir: string;
  jobTimeoutMs: number;
  /** Deliveries of one message before the job is given up and dead-lettered. */
  deliveryLimit: number;
  /** One park's drops queued or processing at once; the rest wait in the outbox (fairness). */
  parkQueueShare: number;
  /** After SIGTERM, how long in-flight requests may run before their connections are cut. */
  shutdownGraceMs: number;
  /** A park whose agent sent no heartbeat for this long is flagged silent. */
  heartbeatSilentMs: number;
  /** How long one computed fleet page is shown to everyone asking (dashboard/snapshot.ts). */
  fleetSnapshotMs: number;
  /** How long the fleet page's availability today may be kept (dashboard/fleet-availability.ts). */
  fleetAvailabilityMs: number;
  /** Rides per minute whose ride-page days are computed before anyone asks (maintenance). */
  rideDaysPerMinute: number;
  /** An upload not touched for this long is deleted (row and temp file). */
  abandonedUploadMs: number;
  /** How long a dashboard session lasts after login. */
  sessionTtlMs: number;
  /** Whether the session cookie is `Secure` (HTTPS only). */
  sessionCookieSecure: boolean;
  /** Per-park-token token bucket on ingest calls. */
  ingestRateLimit: { perSecond: number; burst: number };
  /** Jobs one long-running worker runs at once (prefetch per queue, independent acks). */
  workerConcurrency: number;
  /** A job run without an end after this long is abandoned: the sweeper requeues its subject. */
  stuckJobMs: number;
  /** Missed report firings younger than this are made up at start-up (0 = none). */
  reportCatchUpMs: number;
  /** Worker threads that verify committed drops off the event loop. */
  verifyThreads: number;
  /**
   * A drain-mode worker (a job pod) takes no new job after running this long and exits 0, so
   * its pod ends before activeDeadlineSeconds could kill it mid-job. Default: no limit.
   */
  workerMaxRunMs?: number;
  /**
   * A drain-mode worker whose queues are empty waits up to this long while the outbox still
   * holds postprocess rows (a park's drops beyond its fair share, released as its jobs end),
   * instead of exiting and leaving them to the next pod KEDA starts. Default: no wait.
   */
  workerDrainWaitMs?: number;
  /**
   * How often a worker touches the run it is on; a run silent for three intervals was lost
   * with its worker and counts towards the delivery limit. Default 20 s.
   */
  runHeartbeatMs?: number;
  // The settings below are optional for in-process callers (tests, the demo); `loadConfig`
  // always sets them, and `startCentral` applies the same defaults when they are missing.
  /**
   * Addresses (`10.1.2.3`) and ranges (`10.0.0.0/8`) of reverse proxies whose
   * `X-Forwarded-For` is believed (the client address for the login throttle). Default: none.
   */
  trustedProxies?: string[];
  /** Host names (besides IP addresses and `localhost`) a request's `Host` may name. */
  allowedHosts?: string[];
  /** Port of the separate `/metrics` listener (loadConfig: 9464; in-process default 0, free). */
  metricsPort?: number;
  /** Address of the `/metrics` listener (default: `host`). */
  metricsHost?: string;
  /** Per-park limits on upload bytes (default {@link DEFAULT_PARK_QUOTA}). */
  parkQuota?: ParkQuota;
  /** Sign-in attempts per second from unknown browsers, all sources together (default 5). */
  loginGlobalPerSecond?: number;
  /** How long per-cycle rows and drop files are kept (retention/; default: kept). */
  retention?: RetentionSettings;
  /**
   * The AES-256 key that seals central-pull rides' gateway credentials (pull/credential-seal.ts),
   * from GATEWAY_CREDENTIALS_KEY (a Kubernetes Secret). Absent: central pull cannot start.
   */
  gatewayCredentialsKey?: Buffer;
  /** Gateway files one download job takes at most; the rest goes to the next job (default 100). */
  downloadFilesPerJob?: number;
  /** Where drops, uploads and reports are kept (default: the filesystem under `blobDir`). */
  blobStore?: BlobStoreSettings;
}

/** The 32 bytes of a GATEWAY_CREDENTIALS_KEY given as base64 or hex, or null if it is not one. */
export function credentialsKeyBytes(text: string): Buffer | null {
  const trimmed = text.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/]{43}=?$/.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : null;
  return bytes?.length === 32 ? bytes : null;
}

/** Retention (retention/retention-sweeper.ts); null keeps the data for good. */
export interface RetentionSettings {
  /** Cycles, breaches and data-quality findings of drops received longer ago are removed. */
  cyclesMs: number | null;
  /** Zip files of drops received longer ago are removed (quarantined drops' are kept). */
  blobsMs: number | null;
}

/** How much of central's disk one park (one stolen token) may take. */
export interface ParkQuota {
  /** Bytes of drops (valid or quarantined) whose files the park has stored at central. */
  storedBytes: number;
  /** Bytes declared by the park's unfinished uploads, together. */
  inFlightBytes: number;
}

const GB = 1024 ** 3;
const MB = 1024 ** 2;

/** The per-park quota of the environment variables' defaults (1000 GB stored, 1 GB in flight). */
export const DEFAULT_PARK_QUOTA: ParkQuota = { storedBytes: 1000 * GB, inFlightBytes: 1024 * MB };

function proxyProblem(item: string): string | null {
  const [address, bits, ...more] = item.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || more.length > 0) return 'expected an IP address or CIDR range';
  if (bits === undefined) return null;
  const n = Number(bits);
  const max = family === 4 ? 32 : 128;
  return /^\d+$/.test(bits) && n <= max ? null : `expected a prefix length of 0-${max}`;
}

function hostProblem(item: string): string | null {
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(item)
    ? null
    : 'expected a host name without port or scheme, e.g. central.example.com';
}

/** A configuration problem, worded for the operator who has to fix the environment. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Variables whose value is a secret: a problem with one names it, never its value. */
const SECRET_VARIABLES = new Set(['GATEWAY_CREDENTIALS_KEY', 'S3_SECRET_ACCESS_KEY']);

function parseSync<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  // Empty strings mean "unset" so `FOO= cmd` falls back to the default instead of failing.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '?');
    const hint = HINTS[name] ?? 'check its value';
    if (!env[name]) return `- ${name} is required but not set; ${hint}`;
    // A key is never echoed into a log, not even a malformed one.
    const got = SECRET_VARIABLES.has(name) ? 'value hidden' : `got ${JSON.stringify(env[name])}`;
    return `- ${name}: ${issue.message} (${got}); ${hint}`;
  });
  throw new ConfigError(`central is not configured correctly:\n${lines.join('\n')}`);
}

/** Reads the database settings only (for `migrate`, `park create`, `report request`). */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const e = parseSync(databaseEnvSchema, env);
  return { databaseUrl: e.DATABASE_URL, logLevel: e.LOG_LEVEL, timeouts: timeoutsFrom(e) };
}

/** Reads and validates every setting; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CentralConfig {
  const e = parseSync(fullEnvSchema, env);
  const metricsPort = e.METRICS_PORT ?? (e.PORT === 0 ? 0 : 9464);
  if (metricsPort !== 0 && metricsPort === e.PORT) {
    throw new ConfigError(
      `central is not configured correctly:\n- METRICS_PORT: the metrics need a port of their own, not the API's (${e.PORT}); ${HINTS.METRICS_PORT}`,
    );
  }
  return {
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    timeouts: timeoutsFrom(e),
    amqpUrl: e.AMQP_URL,
    queuePrefix: e.QUEUE_PREFIX,
    blobDir: e.BLOB_DIR,
    port: e.PORT,
    host: e.HOST,
    rideModelsPath: e.RIDE_MODELS_PATH,
    rustBinDir: e.RUST_BIN_DIR,
    jobTimeoutMs: e.JOB_TIMEOUT_S * 1000,
    deliveryLimit: e.DELIVERY_LIMIT,
    parkQueueShare: e.PARK_QUEUE_SHARE,
    shutdownGraceMs: e.SHUTDOWN_GRACE_S * 1000,
    heartbeatSilentMs: e.HEARTBEAT_SILENT_MIN * 60_000,
    fleetSnapshotMs: e.FLEET_SNAPSHOT_S * 1000,
    fleetAvailabilityMs: e.FLEET_AVAILABILITY_S * 1000,
    rideDaysPerMinute: e.RIDE_DAYS_PER_MIN,
    abandonedUploadMs: e.ABANDONED_UPLOAD_H * 3_600_000,
    sessionTtlMs: e.SESSION_TTL_H * 3_600_000,
    sessionCookieSecure: e.SESSION_COOKIE_SECURE === 'true',
    ingestRateLimit: { perSecond: e.INGEST_RATE_PER_S, burst: e.INGEST_BURST },
    workerConcurrency: e.WORKER_CONCURRENCY,
    // A live job is killed at JOB_TIMEOUT_S; give it five more minutes to record its end.
    stuckJobMs: e.STUCK_JOB_MIN ? e.STUCK_JOB_MIN * 60_000 : e.JOB_TIMEOUT_S * 1000 + 300_000,
    reportCatchUpMs: e.REPORT_CATCHUP_D * 86_400_000,
    verifyThreads: e.VERIFY_THREADS,
    ...(e.WORKER_MAX_RUN_S ? { workerMaxRunMs: e.WORKER_MAX_RUN_S * 1000 } : {}),
    workerDrainWaitMs: e.WORKER_DRAIN_WAIT_S * 1000,
    runHeartbeatMs: e.RUN_HEARTBEAT_S * 1000,
    trustedProxies: e.TRUSTED_PROXIES,
    allowedHosts: e.ALLOWED_HOSTS.map((h) => h.toLowerCase()),
    metricsPort,
    metricsHost: e.METRICS_HOST ?? e.HOST,
    loginGlobalPerSecond: e.LOGIN_GLOBAL_PER_S,
    parkQuota: {
      storedBytes: Math.floor(e.PARK_STORED_QUOTA_GB * GB),
      inFlightBytes: Math.floor(e.PARK_INFLIGHT_MB * MB),
    },
    retention: {
      cyclesMs: e.RETAIN_CYCLES_D ? e.RETAIN_CYCLES_D * 86_400_000 : null,
      blobsMs: e.RETAIN_BLOBS_D ? e.RETAIN_BLOBS_D * 86_400_000 : null,
    },
    ...(e.GATEWAY_CREDENTIALS_KEY
      ? { gatewayCredentialsKey: credentialsKeyBytes(e.GATEWAY_CREDENTIALS_KEY) ?? undefined }
      : {}),
    downloadFilesPerJob: e.DOWNLOAD_FILES_PER_JOB,
    blobStore: blobStoreFrom(e),
  };
}

/** BLOB_STORE and the S3_* variables; S3 needs a bucket, and both keys or neither. */
function blobStoreFrom(e: z.infer<typeof fullEnvSchema>): BlobStoreSettings {
  if (e.BLOB_STORE === 'filesystem') return { kind: 'filesystem' };
  const problems: string[] = [];
  if (!e.S3_BUCKET) problems.push(`- S3_BUCKET is required with BLOB_STORE=s3; ${HINTS.S3_BUCKET}`);
  if (Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
    const missing = e.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID';
    problems.push(`- ${missing} is required but not set; ${HINTS[missing]}`);
  }
  if (problems.length > 0 || !e.S3_BUCKET) {
    throw new ConfigError(`central is not configured correctly:\n${problems.join('\n')}`);
  }
  return {
    kind: 's3',
    bucket: e.S3_BUCKET,
    ...(e.S3_ENDPOINT ? { endpoint: e.S3_ENDPOINT } : {}),
    region: e.S3_REGION,
    prefix: e.S3_PREFIX,
    // Self-hosted stores rarely have a wildcard DNS name per bucket; AWS prefers virtual hosts.
    forcePathStyle: (e.S3_FORCE_PATH_STYLE ?? (e.S3_ENDPOINT ? 'true' : 'false')) === 'true',
    ...(e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: e.S3_ACCESS_KEY_ID,
            secretAccessKey: e.S3_SECRET_ACCESS_KEY,
          },
        }
      : {}),
    timeoutMs: e.S3_TIMEOUT_S * 1000,
    partBytes: e.S3_PART_MB * 1024 * 1024,
  };
}
