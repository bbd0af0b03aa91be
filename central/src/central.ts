import { verifyDrop } from '@zra/shared';
import type { Logger } from 'pino';
import { BlobStore } from './blob/blob-store.ts';
import type { CentralConfig } from './config.ts';
import { runMigrations } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
import type { DropVerifier } from './ingest/drop-verifier.ts';
import { createIngestService } from './ingest/ingest-service.ts';
import { createLogger } from './logger.ts';
import { parkForToken } from './parks/park-store.ts';
import { startOutboxPublisher } from './queue/outbox-publisher.ts';
import { startHttpServer } from './server/http-server.ts';

/** Options of {@link startCentral}; the defaults are what `serve` runs. */
export interface StartCentralOptions {
  log?: Logger;
  /** Run the outbox publisher in this process (default true). */
  publisher?: boolean;
  /** Replaces shared's `verifyDrop` (tests of odd verdicts). */
  verifyDrop?: DropVerifier;
}

/** A running central API. */
export interface RunningCentral {
  /** Base URL; the tRPC endpoint is `${url}/trpc`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the central API the way `serve` does: applies migrations, prepares BLOB_DIR, serves
 * HTTP and publishes the outbox. `close()` stops all of it and releases the pool.
 */
export async function startCentral(
  config: CentralConfig,
  options: StartCentralOptions = {},
): Promise<RunningCentral> {
  const log = options.log ?? createLogger(config.logLevel);
  await runMigrations(config.databaseUrl, log);
  const pool = createPool(config.databaseUrl);
  const blobs = new BlobStore(config.blobDir);
  await blobs.init();
  const publisher =
    options.publisher === false
      ? null
      : startOutboxPublisher({
          pool,
          amqpUrl: config.amqpUrl,
          queuePrefix: config.queuePrefix,
          deliveryLimit: config.deliveryLimit,
          log: log.child({ component: 'outbox' }),
        });
  const ingest = createIngestService({
    pool,
    blobs,
    verifyDrop: options.verifyDrop ?? verifyDrop,
    log: log.child({ component: 'ingest' }),
    onEnqueued: () => publisher?.kick(),
  });
  const auth = { parkForToken: (token: string) => parkForToken(pool, token) };
  let http: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    http = await startHttpServer({ pool, ingest, auth, log }, config.host, config.port);
  } catch (err) {
    // E.g. the port is taken: release what was started so the process can exit.
    await publisher?.stop();
    await pool.end();
    throw err;
  }
  return {
    url: http.url,
    async close() {
      await http.close();
      await publisher?.stop();
      await pool.end();
    },
  };
}
