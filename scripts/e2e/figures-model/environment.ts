/**
 * Every part real, shared by the seeds of one run: an OpenSSH SFTP gateway, a throwaway
 * PostgreSQL database, a RabbitMQ queue prefix, the central API and a worker running the Rust
 * postprocessor and reporter. Each seed gets a park of its own, so seeds never mix figures.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import {
  createLogger,
  createPool,
  loadConfig,
  startCentral,
  startWorker,
  type CentralConfig,
  type RunningCentral,
  type RunningWorker,
} from '@zra/central';
import { startSftpGateway, type SftpGateway } from '../../harness/sftp-gateway.ts';
import { createTestDatabase, type TestDatabase } from '../../harness/postgres.ts';
import {
  AMQP_URL,
  CENTRAL_QUEUES,
  deleteQueues,
  uniqueQueuePrefix,
} from '../../harness/rabbitmq.ts';

export interface FiguresEnvironment {
  dir: string;
  gateway: SftpGateway;
  config: CentralConfig;
  central: RunningCentral;
  worker: RunningWorker;
  pool: pg.Pool;
  close(): Promise<void>;
}

export async function startEnvironment(label: string): Promise<FiguresEnvironment> {
  const dir = mkdtempSync(join(tmpdir(), `zra-${label}-`));
  const queuePrefix = uniqueQueuePrefix(label);
  let gateway: SftpGateway | undefined;
  let db: TestDatabase | undefined;
  let central: RunningCentral | undefined;
  let worker: RunningWorker | undefined;
  let pool: pg.Pool | undefined;
  const close = async (): Promise<void> => {
    await worker?.stop();
    await central?.close();
    await pool?.end();
    await db?.drop();
    await deleteQueues(queuePrefix, CENTRAL_QUEUES);
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    mkdirSync(join(dir, 'gateway'));
    gateway = await startSftpGateway({ root: join(dir, 'gateway') });
    db = await createTestDatabase(label);
    const config: CentralConfig = {
      ...loadConfig({
        DATABASE_URL: db.url,
        AMQP_URL,
        QUEUE_PREFIX: queuePrefix,
        BLOB_DIR: join(dir, 'central'),
        LOG_LEVEL: 'silent',
        // Any free port: another central on this machine may hold the default one.
        METRICS_PORT: '0',
        // One agent per seed uploads in bursts; the limit is tested elsewhere.
        INGEST_RATE_PER_S: '10000',
        INGEST_BURST: '10000',
        WORKER_CONCURRENCY: '2',
      }),
      port: 0,
    };
    central = await startCentral(config);
    worker = await startWorker(config);
    // Silent: dropping the database at the end ends this pool's idle connections, which the
    // pool would otherwise log as lost.
    pool = createPool(db.url, createLogger('silent'));
    return { dir, gateway, config, central, worker, pool, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
