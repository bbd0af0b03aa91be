import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { portAccepts } from './port.ts';
import { freePort } from './port.ts';
import { isAlive, killTree } from './process-tree.ts';

const run = promisify(execFile);

/** The Garage release the tests run against; scripts/bootstrap.mjs builds it into the cache. */
export const GARAGE_VERSION = '2.5.0';

/**
 * Where `cargo install --root` puts it; the same rule as bootstrap's `garageRoot()` (the two
 * cannot share code: bootstrap runs before node_modules exist).
 */
export const GARAGE_ROOT = path.join(
  process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
  'zra',
  `garage-${GARAGE_VERSION}`,
);

/** The server binary; `ZRA_GARAGE_BIN` points elsewhere (a Garage installed another way). */
export function garageBinary(): string {
  return process.env.ZRA_GARAGE_BIN ?? path.join(GARAGE_ROOT, 'bin', 'garage');
}

/** Files bootstrap's background build leaves beside the install: its pid while it runs, its log. */
export const GARAGE_BUILD = {
  pidFile: `${GARAGE_ROOT}.building`,
  log: `${GARAGE_ROOT}.build.log`,
  failed: `${GARAGE_ROOT}.failed`,
};

/** How long a test waits for bootstrap's build (about 11 CPU-minutes; up to 36 min seen under load). */
export const GARAGE_BUILD_WAIT_MS = 50 * 60_000;

/**
 * Resolves with the Garage binary once it exists. On a fresh machine `npm test` starts its
 * build in the background (bootstrap) and goes on with the other checks; a test that needs it
 * before it is done waits here, saying so once a minute. Without a binary or a build in
 * progress it fails at once with the fix.
 */
export async function waitForGarageBinary(timeoutMs = GARAGE_BUILD_WAIT_MS): Promise<string> {
  const binary = garageBinary();
  const deadline = Date.now() + timeoutMs;
  let saidAt = 0;
  for (;;) {
    if (existsSync(binary)) return binary;
    if (existsSync(GARAGE_BUILD.failed)) {
      throw new Error(
        `the build of Garage ${GARAGE_VERSION} failed (its log: ${GARAGE_BUILD.log}); fix the cause and run \`npm run bootstrap\`, which builds it again`,
      );
    }
    const pid = Number(readText(GARAGE_BUILD.pidFile));
    if (!pid || !isAlive(pid)) {
      throw new Error(
        `Garage ${GARAGE_VERSION} (the S3-compatible object store the blob-store tests run against) is not built: run \`npm run bootstrap\`, which builds it into ${GARAGE_ROOT} in the background (about 11 CPU-minutes, once), or set ZRA_GARAGE_BIN to a garage binary`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the build of Garage (pid ${pid}) is still running after ${Math.round(timeoutMs / 60_000)} minutes; see ${GARAGE_BUILD.log}`,
      );
    }
    if (Date.now() - saidAt >= 60_000) {
      process.stderr.write(
        `waiting for bootstrap's build of Garage ${GARAGE_VERSION} to finish (pid ${pid}, log ${GARAGE_BUILD.log})\n`,
      );
      saidAt = Date.now();
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/** A private single-node Garage with one bucket and one key allowed on it. */
export interface GarageServer {
  /** `http://127.0.0.1:<port>`, the S3 API. */
  endpoint: string;
  s3Port: number;
  /** The `s3_region` of its configuration (requests signed for another region are refused). */
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Stops the server as a crash would (SIGKILL); its data stays on disk for {@link start}. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data; resolves once it answers. */
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as a hung node. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
  readonly running: boolean;
  /** Runs the `garage` CLI against this server and answers its stdout. */
  cli(args: string[]): Promise<string>;
  /** The last lines of its log, for a failure message. */
  logTail(): string;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * Starts a Garage server of its own (free ports, a temp folder for metadata and data), lays out
 * its single node, and creates a key and a bucket through its admin API (the CLI's `json-api`,
 * which travels over Garage's RPC port): what an operator does for a new cluster. About a
 * second once the binary is built.
 */
export async function startGarage(label = 'blobs'): Promise<GarageServer> {
  const binary = await waitForGarageBinary();
  const dir = await mkdtemp(path.join(os.tmpdir(), `zra-${label}-garage-`));
  let [s3Port, rpcPort] = [await freePort(), await freePort()];
  const config = path.join(dir, 'garage.toml');
  const serverLog = path.join(dir, 'server.log');
  const region = 'garage';
  const rpcSecret = randomBytes(32).toString('hex');
  await mkdir(path.join(dir, 'meta'));
  await mkdir(path.join(dir, 'data'));
  const writeConfig = () =>
    writeFile(
      config,
      [
        `metadata_dir = "${path.join(dir, 'meta')}"`,
        `data_dir = "${path.join(dir, 'data')}"`,
        'db_engine = "sqlite"',
        'replication_factor = 1',
        `rpc_bind_addr = "127.0.0.1:${rpcPort}"`,
        `rpc_public_addr = "127.0.0.1:${rpcPort}"`,
        `rpc_secret = "${rpcSecret}"`,
        '',
        '[s3_api]',
        `s3_region = "${region}"`,
        `api_bind_addr = "127.0.0.1:${s3Port}"`,
        'root_domain = ".s3.garage.localhost"',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  await writeConfig();
  const cli = async (args: string[]): Promise<string> => {
    const { stdout } = await run(binary, ['-c', config, ...args], {
      timeout: 30_000,
      env: { ...process.env, RUST_LOG: 'warn' },
    });
    return stdout;
  };
  const api = async <T>(endpoint: string, payload: unknown): Promise<T> =>
    JSON.parse(await cli(['json-api', endpoint, JSON.stringify(payload)])) as T;
  let child: ChildProcess | null = null;
  const isRunning = () => child !== null && child.exitCode === null && child.signalCode === null;
  const logTail = () => readText(serverLog).split('\n').slice(-20).join('\n') || '(no log)';
  const killOnExit = () => {
    if (child?.pid !== undefined) killTree(child.pid);
  };
  process.once('exit', killOnExit);

  async function start(): Promise<void> {
    if (isRunning()) return;
    const log = openSync(serverLog, 'a');
    const proc = spawn(binary, ['-c', config, 'server'], {
      cwd: dir,
      stdio: ['ignore', log, log],
      // The panic's own line, not 30 frames of backtrace, in the tail a failure shows.
      env: { ...process.env, RUST_LOG: 'garage=warn', RUST_BACKTRACE: '0' },
    });
    closeSync(log);
    child = proc;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(
          `Garage exited at start (${proc.exitCode ?? proc.signalCode}):\n${logTail()}`,
        );
      }
      const answers =
        (await portAccepts(s3Port)) &&
        (await cli(['status']).then(
          () => true,
          () => false,
        ));
      if (answers) return;
      if (Date.now() > deadline) {
        throw new Error(`Garage did not answer on port ${s3Port} within 30 s:\n${logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc?.pid || !isRunning()) return;
    killTree(proc.pid);
    const deadline = Date.now() + 10_000;
    while (isAlive(proc.pid) || (await portAccepts(s3Port))) {
      if (Date.now() > deadline) throw new Error(`Garage (pid ${proc.pid}) did not stop in 10 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  function signal(name: 'SIGSTOP' | 'SIGCONT'): void {
    if (child?.pid === undefined || !isRunning()) {
      throw new Error(`Garage is not running: cannot send ${name}`);
    }
    process.kill(child.pid, name);
  }

  try {
    // Another process may take a port between freePort() and Garage's bind (test files start
    // their Garages at the same moment): then Garage panics at start; new ports, and again.
    for (let attempt = 1; ; attempt++) {
      try {
        await start();
        break;
      } catch (err) {
        if (attempt === 3 || isRunning()) throw err;
        [s3Port, rpcPort] = [await freePort(), await freePort()];
        await writeConfig();
      }
    }
    const nodeId = (await cli(['node', 'id', '-q'])).trim().split('@')[0] ?? '';
    await cli(['layout', 'assign', '-z', 'dc1', '-c', '1G', nodeId]);
    await cli(['layout', 'apply', '--version', '1']);
    const key = await api<{ accessKeyId?: string; secretAccessKey?: string }>('CreateKey', {
      name: 'zra-test',
    });
    if (!key.accessKeyId || !key.secretAccessKey) {
      throw new Error(`Garage answered CreateKey without a key: ${JSON.stringify(key)}`);
    }
    const bucket = `zra-${label.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 40);
    const created = await api<{ id?: string }>('CreateBucket', { globalAlias: bucket });
    if (!created.id) throw new Error(`Garage answered CreateBucket without an id`);
    await api('AllowBucketKey', {
      bucketId: created.id,
      accessKeyId: key.accessKeyId,
      permissions: { read: true, write: true, owner: true },
    });
    return {
      endpoint: `http://127.0.0.1:${s3Port}`,
      s3Port,
      region,
      bucket,
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      start,
      stop,
      pause: () => signal('SIGSTOP'),
      resume: () => signal('SIGCONT'),
      get running() {
        return isRunning();
      },
      cli,
      logTail,
      async destroy() {
        await stop();
        process.removeListener('exit', killOnExit);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stop().catch(() => undefined);
    process.removeListener('exit', killOnExit);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
