import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { startCentral, type RunningCentral, type StartCentralOptions } from '../central.ts';
import type { CentralConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import type { SetRideSourceInput } from '../pull/ride-source-schemas.ts';
import { createUser } from '../users/user-store.ts';
import { startWorker } from '../worker/worker.ts';
import type { QueueName } from '../queue/queue-names.ts';
import { startSftpGateway, type SftpGateway } from '../../../scripts/harness/sftp-gateway.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { createDashboardClient, type DashboardSession } from './dashboard-client.ts';
import { createTestEnvironment, type TestEnvironment } from './test-central.ts';

/** The admin every central-pull test signs in as. */
export const PULL_ADMIN = { username: 'pull-admin', password: 'pull admin password 1' };

/** Central with central pull configured, a park, an admin session and a real OpenSSH gateway. */
export interface PullFixture {
  env: TestEnvironment;
  /** The test's config with GATEWAY_CREDENTIALS_KEY set. */
  config: CentralConfig;
  central: RunningCentral;
  admin: DashboardSession;
  gw: SftpGateway;
  park: string;
  /** The park's upload token (the park app's path). */
  token: string;
  close(): Promise<void>;
}

/**
 * Starts what a central-pull test needs: a fresh database and queue prefix, central with its
 * outbox publisher (schedulers off unless asked), an admin signed in, a park, and the harness's
 * OpenSSH gateway with key and password logins.
 */
export async function startPullFixture(
  label: string,
  options: { park?: string; central?: StartCentralOptions; config?: Partial<CentralConfig> } = {},
): Promise<PullFixture> {
  const env = await createTestEnvironment(label);
  const config: CentralConfig = {
    ...env.config,
    gatewayCredentialsKey: randomBytes(32),
    ...options.config,
  };
  const central = await startCentral(config, {
    scheduler: false,
    uploadSweeper: false,
    stuckJobSweeper: false,
    ...options.central,
  });
  const park = options.park ?? 'test-park';
  const { token } = await createPark(env.pool, { id: park, name: park, timezone: 'Europe/Rome' });
  await createUser(env.pool, { ...PULL_ADMIN, role: 'admin' });
  const admin = createDashboardClient(central.url);
  await admin.login(PULL_ADMIN.username, PULL_ADMIN.password);
  const gw = await startSftpGateway({ passwordAuth: true });
  return {
    env,
    config,
    central,
    admin,
    gw,
    park,
    token,
    async close() {
      await central.close();
      await gw.stop();
      await env.cleanup();
    },
  };
}

/** A central-pull ride on the harness gateway with its key login (may delete and move files). */
export async function keyLoginRide(
  f: PullFixture,
  ride: string,
  remoteDir: string,
  extra: Partial<Extract<SetRideSourceInput, { mode: 'central' }>> = {},
): Promise<Extract<SetRideSourceInput, { mode: 'central' }>> {
  return {
    park: f.park,
    ride,
    mode: 'central',
    gateway: { type: 'sftp', host: f.gw.host, port: f.gw.port, username: f.gw.username },
    credential: { privateKey: await readFile(f.gw.privateKeyPath, 'utf8') },
    remoteDir,
    cron: '*/15 * * * *',
    minAgeSeconds: 30,
    ...extra,
  };
}

/** Sets the ride up and pins the harness gateway's host key as an admin accepting it would. */
export async function setUpRide(
  f: PullFixture,
  input: Extract<SetRideSourceInput, { mode: 'central' }>,
): Promise<void> {
  await f.admin.client.centralPull.set.mutate(input);
  await f.env.pool.query(
    'UPDATE ride_sources SET host_key_pinned = $3 WHERE park_id = $1 AND ride_id = $2',
    [input.park, input.ride, f.gw.hostKeySha256],
  );
}

/**
 * Runs drain workers until no download waits: the outbox publisher sends each request, the
 * worker takes them (a bounded job's continuation is published after it, hence the loop).
 * `queues` adds e.g. `postprocess` to process what was pulled.
 */
export async function runQueuedWork(
  f: Pick<PullFixture, 'env' | 'config'>,
  queues: QueueName[] = ['download'],
  log: Logger = createLogger('silent'),
): Promise<void> {
  for (;;) {
    await waitFor(
      'the outbox to publish',
      async () => {
        const r = await f.env.pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
        );
        return r.rows[0]?.n === 0;
      },
      { timeoutMs: 30_000 },
    );
    const worker = await startWorker(f.config, { drain: true, queues, log, retryDelayMs: 10 });
    await worker.done;
    const left = await f.env.pool.query<{ n: number }>(
      `SELECT (SELECT count(*)::int FROM outbox WHERE published_at IS NULL)
            + (SELECT count(*)::int FROM download_requests WHERE state IN ('queued', 'running'))
            + (SELECT count(*)::int FROM batches WHERE state IN ('stored', 'queued', 'processing')
                 AND $1::boolean) AS n`,
      [queues.includes('postprocess')],
    );
    if (left.rows[0]?.n === 0) return;
  }
}

/** Queues "pull now" for a ride as an admin and runs it (and post-processing when asked). */
export async function pullNow(
  f: PullFixture,
  ride: string,
  queues: QueueName[] = ['download'],
): Promise<string> {
  const { requestId } = await f.admin.client.centralPull.pullNow.mutate({ park: f.park, ride });
  await runQueuedWork(f, queues);
  return requestId;
}

/** The download request's row: state, counts, error. */
export async function requestRow(
  f: Pick<PullFixture, 'env'>,
  requestId: string,
): Promise<{
  state: string;
  counts: Record<string, number> | null;
  error_code: string | null;
  error: string | null;
}> {
  const r = await f.env.pool.query<{
    state: string;
    counts: Record<string, number> | null;
    error_code: string | null;
    error: string | null;
  }>('SELECT state, counts, error_code, error FROM download_requests WHERE id = $1', [requestId]);
  const row = r.rows[0];
  if (!row) throw new Error(`no download request ${requestId}`);
  return row;
}
