import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readdirSync, closeSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, portAccepts } from './port.ts';
import { isAlive, killTree } from './process-tree.ts';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of its own (initdb in a temp dir, trust auth, a free port on
 * 127.0.0.1), for fault campaigns that stop, crash and restart the database: the machine's
 * server on 5432 is never touched. As root it runs as the `postgres` user (PostgreSQL refuses
 * root).
 */
export interface PrivatePostgres {
  port: number;
  /** Connection URL of `database` (default `postgres`) as the superuser `postgres`. */
  url(database?: string): string;
  /** Starts the server (crash recovery included) and resolves once it answers queries. */
  start(): Promise<void>;
  /** `pg_ctl stop -m immediate`: every server process quits without a checkpoint. */
  stopImmediate(): Promise<void>;
  /** SIGKILL of the postmaster and every backend at once, like an out-of-memory kill. */
  kill(): Promise<void>;
  readonly running: boolean;
  /** The last lines the server logged, for error messages. */
  logTail(): string;
  /** Stops the server and removes the cluster. */
  destroy(): Promise<void>;
}

/** Creates the cluster (initdb takes a few seconds) and starts it. */
export async function startPrivatePostgres(label = 'chaos'): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const dir = await mkdtemp(path.join(os.tmpdir(), `zra-${label}-pg-`));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  const owner = serverUser();
  if (owner) await chown(dir, owner.uid, owner.gid);
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  await run(
    path.join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-instructions'],
    { ...asOwner, env: { ...process.env, LC_ALL: 'C' } },
  );
  const port = await freePort();
  let child: ChildProcess | null = null;

  const isRunning = () => child !== null && child.exitCode === null && child.signalCode === null;
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const logTail = () => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const waitGone = async (pid: number) => {
    // The postmaster's children quit on its death within moments; a restart before then
    // finds their shared memory still attached and refuses to start.
    const deadline = Date.now() + 30_000;
    while (isAlive(pid) || (await portAccepts(port))) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL (pid ${pid}) did not stop in 30 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const server = {
    port,
    url,
    logTail,
    get running() {
      return isRunning();
    },
    async start() {
      if (isRunning()) return;
      const log = openSync(logFile, 'a');
      const proc = spawn(
        path.join(bin, 'postgres'),
        [
          '-D',
          data,
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          `unix_socket_directories=${dir}`,
          '-c',
          'max_connections=200',
          '-c',
          'shared_buffers=32MB',
          // Short checkpoints keep crash recovery after a kill short.
          '-c',
          'checkpoint_timeout=60s',
        ],
        { ...asOwner, stdio: ['ignore', log, log], detached: true },
      );
      closeSync(log);
      child = proc;
      const killOnExit = () => {
        if (proc.pid !== undefined) killTree(proc.pid);
      };
      process.once('exit', killOnExit);
      proc.once('exit', () => process.removeListener('exit', killOnExit));
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(
            `PostgreSQL exited at start (${proc.exitCode ?? proc.signalCode}):\n${logTail()}`,
          );
        }
        if (await answers(url())) return;
        if (Date.now() > deadline) {
          throw new Error(`PostgreSQL did not answer on port ${port} within 60 s:\n${logTail()}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stopImmediate() {
      const proc = child;
      if (!proc?.pid || !isRunning()) return;
      await run(path.join(bin, 'pg_ctl'), ['-D', data, 'stop', '-m', 'immediate', '-w'], asOwner);
      await waitGone(proc.pid);
    },
    async kill() {
      const proc = child;
      if (!proc?.pid || !isRunning()) return;
      killTree(proc.pid);
      await waitGone(proc.pid);
    },
    async destroy() {
      const proc = child;
      if (proc?.pid && isRunning()) {
        killTree(proc.pid);
        await waitGone(proc.pid).catch(() => undefined);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** The newest installed server's bin folder (Debian keeps them under /usr/lib/postgresql). */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (!newest) {
    throw new Error(`no PostgreSQL server under ${root}: apt-get install postgresql`);
  }
  return path.join(root, newest, 'bin');
}

/** Root may not run PostgreSQL: use the `postgres` account Debian's package creates. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error('running as root needs the postgres user: apt-get install postgresql');
  }
  return { uid: Number(uid), gid: Number(gid) };
}

async function answers(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
