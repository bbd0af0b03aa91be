import { verifyDrop } from '@zra/shared';
import type { Logger } from 'pino';
import type { HeartbeatInput } from './agents/heartbeat-schemas.ts';
import { recordHeartbeat } from './agents/heartbeat-store.ts';
import { startStuckJobSweeper } from './batches/stuck-job-sweeper.ts';
import { createBlobStore } from './blob/create-blob-store.ts';
import { DEFAULT_PARK_QUOTA, type CentralConfig } from './config.ts';
import { runMigrations } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
import { createStallCounter } from './infra/stall-counter.ts';
import { inProcessChecker, type DropVerifier } from './ingest/drop-verifier.ts';
import { createVerifierPool } from './ingest/verifier-pool.ts';
import { createIngestService } from './ingest/ingest-service.ts';
import { TokenBucketLimiter } from './ingest/rate-limiter.ts';
import { orphanUploadAgeMs, startUploadSweeper } from './ingest/upload-sweeper.ts';
import { createLogger } from './logger.ts';
import { parkForToken } from './parks/park-store.ts';
import type { DropsInput, ReportsInput } from './parks/park-read-schemas.ts';
import { parkDrops, parkReports, parkStanding } from './parks/park-reads.ts';
import { createBrokerProbe } from './queue/broker-probe.ts';
import { startOutboxPublisher } from './queue/outbox-publisher.ts';
import type { IngestService } from './server/context.ts';
import { startMaintenance } from './retention/maintenance.ts';
import { startReportScheduler } from './scheduler/report-scheduler.ts';
import { startDownloadScheduler } from './pull/download-scheduler.ts';
import { fleetOverview } from './dashboard/fleet-overview.ts';
import { keepAvailability } from './dashboard/fleet-availability.ts';
import { createSnapshot } from './dashboard/snapshot.ts';
import { startHttpServer } from './server/http-server.ts';
import { createMetrics, type CentralMetrics } from './server/metrics.ts';
import { startMetricsServer } from './server/metrics-server.ts';
import {
  DEFAULT_LOGIN_THROTTLE,
  LoginThrottle,
  type LoginThrottleSettings,
} from './users/login-throttle.ts';
import type { ParkIdentity } from './server/park-identity.ts';

/** Options of {@link startCentral}; the defaults are what `serve` runs. */
export interface StartCentralOptions {
  log?: Logger;
  /** Run the outbox publisher in this process (default true). */
  publisher?: boolean;
  /** Sweep abandoned uploads in this process (default true). */
  uploadSweeper?: boolean;
  /** Run the report scheduler in this process (default true). */
  scheduler?: boolean;
  /** Fire central-pull rides' schedules in this process (default: as `scheduler`). */
  downloadScheduler?: boolean;
  /** Requeue jobs abandoned by dead workers, in this process (default true). */
  stuckJobSweeper?: boolean;
  /** Fold batch counts and run retention in this process (default true). */
  maintenance?: boolean;
  /** Replaces shared's `verifyDrop`, run in-process instead of on the thread pool (tests of odd verdicts). */
  verifyDrop?: DropVerifier;
  /** The built dashboard to serve at `/` (default `DASHBOARD_DIR`, else `central/dashboard/dist`). */
  dashboardDir?: string;
  /** Ends the start-up waits (for PostgreSQL, for the migration lock), e.g. on SIGTERM. */
  signal?: AbortSignal;
  /** Central's clock for the ingest checks (`window_in_future`); tests move it. */
  now?: () => number;
  /** Replaces the sign-in limits (tests of the throttle or of a flood that passes it). */
  loginThrottle?: LoginThrottleSettings;
}

/** A running central API. */
export interface RunningCentral {
  /** Base URL; the tRPC endpoint is `${url}/trpc`. */
  url: string;
  /** Base URL of the separate metrics listener; the metrics are at `${metricsUrl}/metrics`. */
  metricsUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the central API the way `serve` does: applies migrations, prepares BLOB_DIR, serves
 * HTTP, publishes the outbox, runs the report scheduler and sweeps abandoned uploads. `close()` stops all of it and releases the pool.
 */
export async function startCentral(
  config: CentralConfig,
  options: StartCentralOptions = {},
): Promise<RunningCentral> {
  const log = options.log ?? createLogger(config.logLevel);
  // Waits for PostgreSQL and for another replica's migration, logging what it waits for.
  await runMigrations(config.databaseUrl, log, {
    timeouts: config.timeouts,
    signal: options.signal,
  });
  const stalls = createStallCounter();
  const pool = createPool(config.databaseUrl, log, 10, { timeouts: config.timeouts, stalls });
  const blobs = createBlobStore(config.blobStore, config.blobDir);
  await blobs.init();
  const publisher =
    options.publisher === false
      ? null
      : startOutboxPublisher({
          pool,
          amqpUrl: config.amqpUrl,
          queuePrefix: config.queuePrefix,
          deliveryLimit: config.deliveryLimit,
          parkShare: config.parkQueueShare,
          inFlightMs: config.stuckJobMs,
          log: log.child({ component: 'outbox' }),
          timeouts: config.timeouts,
          stalls,
        });
  const broker = createBrokerProbe(config.amqpUrl, config.queuePrefix, log, config.timeouts);
  const metrics = createMetrics(pool, broker, log, {
    silentAfterMs: config.heartbeatSilentMs,
    stalls,
  });
  const custom = options.verifyDrop;
  const verifiers = custom ? null : createVerifierPool(config.verifyThreads, log);
  const checkDrop = verifiers ? verifiers.check : inProcessChecker(custom ?? verifyDrop);
  const ingest = countIngestedBytes(
    createIngestService({
      pool,
      blobs,
      checkUpload: checkDrop,
      log: log.child({ component: 'ingest' }),
      onEnqueued: () => publisher?.kick(),
      ...(options.now ? { now: options.now } : {}),
    }),
    metrics,
  );
  const scheduler =
    options.scheduler === false
      ? null
      : startReportScheduler({
          pool,
          log: log.child({ component: 'scheduler' }),
          onEnqueued: () => publisher?.kick(),
          catchUpMs: config.reportCatchUpMs,
        });
  const downloads =
    (options.downloadScheduler ?? options.scheduler) === false
      ? null
      : startDownloadScheduler({
          pool,
          log: log.child({ component: 'download-scheduler' }),
          onEnqueued: () => publisher?.kick(),
          credentialsKey: config.gatewayCredentialsKey,
        });
  const uploadLimits = {
    idleMs: config.abandonedUploadMs,
    orphanMs: orphanUploadAgeMs(config.timeouts, config.abandonedUploadMs),
  };
  const sweeper =
    options.uploadSweeper === false
      ? null
      : startUploadSweeper({
          pool,
          blobs,
          limits: uploadLimits,
          // At least every 15 minutes, and often enough that a file outlives its limit by half.
          intervalMs: Math.min(15 * 60_000, uploadLimits.orphanMs / 2, uploadLimits.idleMs / 4),
          log: log.child({ component: 'upload-sweeper' }),
        });
  const stuckJobs =
    options.stuckJobSweeper === false
      ? null
      : startStuckJobSweeper({
          pool,
          stuckAfterMs: config.stuckJobMs,
          blobRoot: config.blobDir,
          maxAttempts: config.deliveryLimit,
          intervalMs: Math.min(60_000, config.stuckJobMs / 4),
          log: log.child({ component: 'stuck-job-sweeper' }),
          onRequeued: () => publisher?.kick(),
        });
  const maintenance =
    options.maintenance === false
      ? null
      : startMaintenance({
          pool,
          blobs,
          retention: config.retention ?? { cyclesMs: null, blobsMs: null },
          rideDaysPerMinute: config.rideDaysPerMinute,
          log: log.child({ component: 'maintenance' }),
        });
  const auth = { parkForToken: (token: string) => parkForToken(pool, token) };
  const heartbeats = {
    record: (park: ParkIdentity, hb: HeartbeatInput) => recordHeartbeat(pool, park, hb),
  };
  const parkReads = {
    drops: (park: ParkIdentity, input: DropsInput) => parkDrops(pool, park, input),
    reports: (park: ParkIdentity, input: ReportsInput) => parkReports(pool, park, input),
    standing: (park: ParkIdentity) => parkStanding(pool, park),
  };
  let http: Awaited<ReturnType<typeof startHttpServer>>;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | null = null;
  try {
    metricsServer = await startMetricsServer({
      metrics,
      log,
      host: config.metricsHost ?? config.host,
      // In-process (tests, the demo) a free port unless one is set; `serve` sets 9464.
      port: config.metricsPort ?? 0,
      allowedHosts: config.allowedHosts ?? [],
    });
    const fleetAvailability = keepAvailability(config.fleetAvailabilityMs, log);
    http = await startHttpServer(
      {
        pool,
        fleet: createSnapshot({
          what: 'fleet page',
          compute: () =>
            fleetOverview(pool, config.heartbeatSilentMs, Date.now(), fleetAvailability),
          freshMs: config.fleetSnapshotMs,
          log,
        }),
        blobs,
        checkDrop,
        broker,
        ingest,
        auth,
        heartbeats,
        parkReads,
        settings: {
          sessionTtlMs: config.sessionTtlMs,
          cookieSecure: config.sessionCookieSecure,
          silentAfterMs: config.heartbeatSilentMs,
          queuePrefix: config.queuePrefix,
        },
        ingestLimiter: new TokenBucketLimiter(config.ingestRateLimit),
        loginThrottle: new LoginThrottle(
          options.loginThrottle ?? loginThrottleSettings(config.loginGlobalPerSecond),
        ),
        parkQuota: config.parkQuota ?? DEFAULT_PARK_QUOTA,
        trustedProxies: config.trustedProxies ?? [],
        allowedHosts: config.allowedHosts ?? [],
        onEnqueued: () => publisher?.kick(),
        gatewayCredentialsKey: config.gatewayCredentialsKey,
        metrics,
        log,
        shutdownGraceMs: config.shutdownGraceMs,
        dashboardDir: options.dashboardDir ?? process.env.DASHBOARD_DIR,
      },
      config.host,
      config.port,
    );
  } catch (err) {
    // E.g. the port is taken: release what was started so the process can exit.
    await metricsServer?.close();
    await scheduler?.stop();
    await downloads?.stop();
    await sweeper?.stop();
    await stuckJobs?.stop();
    await maintenance?.stop();
    await publisher?.stop();
    await verifiers?.close();
    await broker.close();
    await pool.end();
    throw err;
  }
  const metricsListener = metricsServer;
  return {
    url: http.url,
    metricsUrl: metricsListener.url,
    async close() {
      // In-flight requests finish first: a commit still needs the pool and kicks the publisher.
      await http.close();
      await metricsListener.close();
      // A firing in progress still needs the pool; its outbox row waits for the next publisher.
      await scheduler?.stop();
      await downloads?.stop();
      await sweeper?.stop();
      await stuckJobs?.stop();
      await maintenance?.stop();
      await publisher?.stop();
      await verifiers?.close();
      await broker.close();
      await pool.end();
      log.info('central API stopped');
    },
  };
}

/** The default sign-in limits with `LOGIN_GLOBAL_PER_S`; the burst is six seconds' worth (≥ 30). */
function loginThrottleSettings(globalPerSecond: number | undefined): LoginThrottleSettings {
  if (globalPerSecond === undefined) return DEFAULT_LOGIN_THROTTLE;
  return {
    ...DEFAULT_LOGIN_THROTTLE,
    global: { perSecond: globalPerSecond, burst: Math.max(30, Math.ceil(globalPerSecond * 6)) },
  };
}

/**
 * Counts the bytes of every accepted chunk and answered put; a refused one (wrong offset, bytes
 * that are not the declared file, …) counts nothing.
 */
function countIngestedBytes(ingest: IngestService, metrics: CentralMetrics): IngestService {
  return {
    begin: (park, input, known) => ingest.begin(park, input, known),
    async chunk(park, input) {
      const out = await ingest.chunk(park, input);
      metrics.bytesIngested.inc(input.data.length);
      return out;
    },
    commit: (park, input) => ingest.commit(park, input),
    async put(park, input, known) {
      const out = await ingest.put(park, input, known);
      metrics.bytesIngested.inc(input.data.length);
      return out;
    },
  };
}
