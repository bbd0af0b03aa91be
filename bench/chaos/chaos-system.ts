import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createLogger, createPark, runMigrations } from '@zra/central';
import { freePort, portAccepts } from '../../scripts/harness/port.ts';
import {
  startPrivatePostgres,
  type PrivatePostgres,
} from '../../scripts/harness/private-postgres.ts';
import {
  startPrivateRabbitMq,
  type PrivateRabbitMq,
} from '../../scripts/harness/private-rabbitmq.ts';
import { startSftpGateway, type SftpGateway } from '../../scripts/harness/sftp-gateway.ts';
import { startTcpBalancer, type TcpBalancer } from '../../scripts/harness/tcp-balancer.ts';
import { startTcpProxy, type TcpProxy } from '../../scripts/harness/tcp-proxy.ts';
import {
  controlGateway,
  type GatewayProcess,
} from '../../desktop/src/core/faults/gateway-process.ts';
import type { ChaosRide } from './drop-writer.ts';
import { ManagedProcess, type UnexpectedExit } from './managed-process.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CENTRAL_CLI = path.join(REPO, 'central/src/cli.ts');
const AGENT_CLI = path.join(REPO, 'desktop/src/core/cli.ts');

/** The network links the campaign can cut, reset or blackhole (each a TCP proxy). */
export const LINKS = [
  'agent-central',
  'agent-gateway',
  'api-postgres',
  'api-broker',
  'worker-postgres',
  'worker-broker',
] as const;
export type LinkName = (typeof LINKS)[number];

export const PARK = 'chaos-park';
export const DATABASE = 'zra_chaos';

export const RIDES: readonly ChaosRide[] = [
  { id: 'orbit', model: 'discovery-revolution', mode: 'delete', dir: 'orbit' },
  { id: 'comet', model: 'disko-coaster', mode: 'move', dir: 'comet', doneDir: 'comet-done' },
  { id: 'nova', model: 'discovery-revolution', mode: 'keep', dir: 'nova' },
];

/** Options of {@link startChaosSystem}. */
export interface ChaosSystemOptions {
  apis: number;
  workers: number;
  /** Seconds a gateway file must be old (or unchanged) before the agent pulls it. */
  minAgeSeconds: number;
  onUnexpectedExit: (exit: UnexpectedExit) => void;
}

/** Every part of the system, each of which the campaign can hurt. */
export interface ChaosSystem {
  dir: string;
  postgres: PrivatePostgres;
  broker: PrivateRabbitMq;
  gateway: SftpGateway;
  gatewayProcess: GatewayProcess;
  /** The pid of the listening sshd now (after restarts too). */
  sshdPid(): number | null;
  links: Record<LinkName, TcpProxy>;
  balancer: TcpBalancer;
  apis: ManagedProcess[];
  workers: ManagedProcess[];
  agent: ManagedProcess;
  agentDataDir: string;
  blobDir: string;
  /** The campaign's database, straight to PostgreSQL (no proxy), for checks. */
  databaseUrl: string;
  /** True while sshd accepts connections. */
  gatewayListening(): Promise<boolean>;
  /** Stops everything; `keepDir` keeps the logs, agent data and blobs for a post-mortem. */
  close(keepDir?: boolean): Promise<void>;
}

export async function startChaosSystem(o: ChaosSystemOptions): Promise<ChaosSystem> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zra-chaos-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  const close = async (keepDir = false) => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (!keepDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    const [postgres, broker, gateway] = await Promise.all([
      startPrivatePostgres('chaos'),
      startPrivateRabbitMq('chaos'),
      startSftpGateway(),
    ]);
    cleanups.push(
      () => postgres.destroy(),
      () => broker.destroy(),
      () => gateway.stop(),
    );
    const gatewayProcess = controlGateway(gateway);
    // A restarted sshd is no child of the harness's: kill it too if the campaign is stopped.
    const killSshd = () => gatewayProcess.kill();
    process.once('exit', killSshd);
    cleanups.push(async () => {
      process.removeListener('exit', killSshd);
      await gatewayProcess.stop();
    });

    const admin = new pg.Client({ connectionString: postgres.url() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
    const databaseUrl = postgres.url(DATABASE);
    await runMigrations(databaseUrl, createLogger('silent'));
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const { token } = await createPark(pool, {
      id: PARK,
      name: 'Chaos Park',
      timezone: 'Europe/Rome',
    });
    await pool.end();

    const proxy = (port: number) => startTcpProxy({ targetHost: '127.0.0.1', targetPort: port });
    const apiPorts = await Promise.all(Array.from({ length: o.apis }, () => freePort()));
    const balancer = await startTcpBalancer(apiPorts);
    cleanups.push(() => balancer.close());
    const links = {
      'agent-central': await proxy(balancer.port),
      'agent-gateway': await proxy(gateway.port),
      'api-postgres': await proxy(postgres.port),
      'api-broker': await proxy(broker.port),
      'worker-postgres': await proxy(postgres.port),
      'worker-broker': await proxy(broker.port),
    } satisfies Record<LinkName, TcpProxy>;
    for (const link of Object.values(links)) cleanups.push(() => link.close());

    const blobDir = path.join(dir, 'central-blobs');
    const logs = path.join(dir, 'logs');
    await mkdir(blobDir);
    await mkdir(logs);
    const centralEnv = (db: TcpProxy, amqp: TcpProxy): NodeJS.ProcessEnv => ({
      ...process.env,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${db.port}/${DATABASE}`,
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${amqp.port}`,
      BLOB_DIR: blobDir,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SESSION_COOKIE_SECURE: 'false',
      // Several central processes share this host: each takes a free port for its /metrics.
      METRICS_PORT: '0',
      SHUTDOWN_GRACE_S: '5',
      VERIFY_THREADS: '1',
      INGEST_RATE_PER_S: '1000',
      INGEST_BURST: '10000',
      // Short enough that a job whose worker was killed is taken up again within the drain.
      JOB_TIMEOUT_S: '60',
      STUCK_JOB_MIN: '1',
    });
    const node = (script: string, args: string[]) => ({
      command: process.execPath,
      args: ['--import', 'tsx', script, ...args],
    });
    const apis = apiPorts.map(
      (port, i) =>
        new ManagedProcess(
          {
            name: `api-${i + 1}`,
            ...node(CENTRAL_CLI, ['serve']),
            env: { ...centralEnv(links['api-postgres'], links['api-broker']), PORT: String(port) },
            logFile: path.join(logs, `api-${i + 1}.log`),
            ready: (child) => listening(port, child),
          },
          o.onUnexpectedExit,
        ),
    );
    const workers = Array.from(
      { length: o.workers },
      (_, i) =>
        new ManagedProcess(
          {
            name: `worker-${i + 1}`,
            ...node(CENTRAL_CLI, ['worker']),
            env: centralEnv(links['worker-postgres'], links['worker-broker']),
            logFile: path.join(logs, `worker-${i + 1}.log`),
          },
          o.onUnexpectedExit,
        ),
    );

    const agentDataDir = path.join(dir, 'agent-data');
    const agentConfig = path.join(dir, 'agent.json');
    await writeFile(
      agentConfig,
      JSON.stringify({
        park: PARK,
        dataDir: agentDataDir,
        central: { url: links['agent-central'].url, token },
        timezone: 'Europe/Rome',
        minAgeSeconds: o.minAgeSeconds,
        maxConcurrentPulls: RIDES.length,
        chunkBytes: 64 * 1024,
        upload: { intervalSeconds: 1, retryBaseSeconds: 1, retryMaxSeconds: 8 },
        heartbeatSeconds: 5,
        globalViewSeconds: 10,
        rides: RIDES.map((r) => ({
          id: r.id,
          remoteDir: r.dir,
          afterBuffer:
            r.mode === 'move' ? { moveTo: r.doneDir } : r.mode === 'delete' ? 'delete' : 'keep',
          schedule: ['*/2 * * * * *'],
          connection: {
            type: 'sftp',
            host: '127.0.0.1',
            port: links['agent-gateway'].port,
            username: gateway.username,
            privateKeyPath: gateway.privateKeyPath,
            hostKeySha256: gateway.hostKeySha256,
          },
        })),
      }),
    );
    const agent = new ManagedProcess(
      {
        name: 'agent',
        ...node(AGENT_CLI, ['agent', '--config', agentConfig]),
        env: { ...process.env, ZRA_LOG_LEVEL: 'info' },
        logFile: path.join(logs, 'agent.log'),
      },
      o.onUnexpectedExit,
    );
    const all = [...apis, ...workers, agent];
    cleanups.push(async () => Promise.all(all.map((p) => p.kill())));
    // Both APIs at once, as replicas start. One that exits is restarted by its supervisor
    // (and reported); the campaign waits until both listen.
    await Promise.all(apis.map((a) => a.start().catch(() => undefined)));
    const deadline = Date.now() + 120_000;
    for (const port of apiPorts) {
      while (!(await portAccepts(port))) {
        if (Date.now() > deadline) throw new Error(`the API on port ${port} never came up`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await Promise.all([...workers, agent].map((p) => p.start()));

    const pidFile = path.join(path.dirname(gateway.root), 'sshd.pid');
    const sshdPid = () => {
      try {
        return Number(readFileSync(pidFile, 'utf8').trim()) || null;
      } catch {
        return null;
      }
    };
    return {
      dir,
      postgres,
      broker,
      gateway,
      gatewayProcess,
      sshdPid,
      links,
      balancer,
      apis,
      workers,
      agent,
      agentDataDir,
      blobDir,
      databaseUrl,
      gatewayListening: () => portAccepts(gateway.port),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Resolves once the process accepts connections on `port`; rejects if it exits first. */
async function listening(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!(await portAccepts(port))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited before listening on ${port} (${child.exitCode ?? child.signalCode})`);
    }
    if (Date.now() > deadline) throw new Error(`not listening on ${port} after 90 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
