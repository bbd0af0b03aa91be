import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CentralConfig } from '../config.ts';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));

/** A central command running as its own process, for tests of signals and process faults. */
export interface CliProcess {
  child: ChildProcess;
  /** The exit code; -1 when a signal ended it. */
  exited: Promise<number | null>;
}

/**
 * Starts `cli.ts <args>` the way the image does: node itself with tsx as a loader, not the
 * tsx CLI, whose relay would delay signals by the machine's load. The test's database, blob
 * folder and queue prefix come from `config`; `env` adds or overrides variables. Its JSON log
 * goes to the child's stderr (pipe it to read it with `watchLogs`).
 */
export function startCliProcess(
  config: CentralConfig,
  args: string[],
  options: { env?: Record<string, string>; stderr?: 'pipe' | 'ignore' } = {},
): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: {
      ...process.env,
      DATABASE_URL: config.databaseUrl,
      AMQP_URL: config.amqpUrl,
      BLOB_DIR: config.blobDir,
      QUEUE_PREFIX: config.queuePrefix,
      DELIVERY_LIMIT: String(config.deliveryLimit),
      PARK_QUEUE_SHARE: String(config.parkQueueShare),
      FLEET_SNAPSHOT_S: String(config.fleetSnapshotMs / 1000),
      FLEET_AVAILABILITY_S: String(config.fleetAvailabilityMs / 1000),
      // As for an in-process worker, no wait unless the test sets one: a test with no publisher
      // running leaves rows in the outbox that no wait would see published.
      WORKER_DRAIN_WAIT_S: String((config.workerDrainWaitMs ?? 0) / 1000),
      ...options.env,
    },
    stdio: ['ignore', 'ignore', options.stderr ?? 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
  );
  return { child, exited };
}
