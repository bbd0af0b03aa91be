import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { portAccepts } from './port.ts';
import { freePort } from './port.ts';
import { isAlive, killTree } from './process-tree.ts';

const run = promisify(execFile);

// The scripts themselves, not Debian's /usr/sbin wrappers, which switch to the `rabbitmq`
// user and read the machine node's settings from /etc/rabbitmq.
const RABBIT_BIN = '/usr/lib/rabbitmq/bin';

/**
 * A RabbitMQ node of its own (own node name, AMQP port, distribution port, epmd port, data
 * and log folders, no plugins), for fault campaigns that kill and restart the broker: the
 * machine's node on 5672 is never touched. Starting takes about 10 s.
 */
export interface PrivateRabbitMq {
  port: number;
  /** `amqp://guest:guest@127.0.0.1:<port>`. */
  url: string;
  nodeName: string;
  /** Starts the node (its quorum queues recover from disk) and resolves once AMQP answers. */
  start(): Promise<void>;
  /** SIGKILL of the Erlang VM and its helpers, like a crashed broker pod. */
  kill(): Promise<void>;
  readonly running: boolean;
  /** Runs `rabbitmqctl -n <node> <args>` and answers its stdout. */
  ctl(args: string[]): Promise<string>;
  logTail(): string;
  /** Stops the node and its epmd, then removes its folders. */
  destroy(): Promise<void>;
}

export async function startPrivateRabbitMq(label = 'chaos'): Promise<PrivateRabbitMq> {
  if (!existsSync(path.join(RABBIT_BIN, 'rabbitmq-server'))) {
    throw new Error(`${RABBIT_BIN}/rabbitmq-server not found: apt-get install rabbitmq-server`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), `zra-${label}-rabbit-`));
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const nodeName = `zra-${label}-${randomBytes(3).toString('hex')}@localhost`;
  const confFile = path.join(dir, 'rabbitmq.conf');
  const pluginsFile = path.join(dir, 'enabled_plugins');
  const envFile = path.join(dir, 'rabbitmq-env.conf');
  const consoleLog = path.join(dir, 'console.log');
  await mkdir(path.join(dir, 'mnesia'));
  await mkdir(path.join(dir, 'log'));
  await writeFile(
    confFile,
    [
      `listeners.tcp.default = 127.0.0.1:${port}`,
      // The faults come from outside; the broker should not refuse work for its own reasons.
      'disk_free_limit.absolute = 50MB',
      'vm_memory_high_watermark.relative = 0.2',
      '',
    ].join('\n'),
  );
  await writeFile(pluginsFile, '[].\n');
  await writeFile(envFile, '# empty: no machine-wide settings\n');
  // Erlang reads its cookie from $HOME: a private home keeps root's (and the machine node's) apart.
  const env = {
    ...process.env,
    HOME: dir,
    RABBITMQ_CONF_ENV_FILE: envFile,
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: confFile,
    RABBITMQ_ENABLED_PLUGINS_FILE: pluginsFile,
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_ALLOW_INPUT: '',
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  // The node's epmd daemonises: nothing else would end it if this process exits early. It
  // refuses to quit while the node is registered, so the node goes first.
  const killEpmd = () => {
    if (child?.pid !== undefined) killTree(child.pid);
    for (let attempt = 0; attempt < 40; attempt++) {
      try {
        const out = execFileSync('epmd', ['-port', String(epmdPort), '-kill'], { env });
        if (!String(out).includes('not allowed')) return;
      } catch {
        return; // No epmd on that port.
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  };
  process.once('exit', killEpmd);
  const isRunning = () => child !== null && child.exitCode === null && child.signalCode === null;
  const logTail = () => {
    try {
      return readFileSync(consoleLog, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const waitGone = async (pid: number) => {
    const deadline = Date.now() + 30_000;
    while (isAlive(pid) || (await portAccepts(port))) {
      if (Date.now() > deadline) throw new Error(`RabbitMQ (pid ${pid}) did not stop in 30 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const node: PrivateRabbitMq = {
    port,
    url,
    nodeName,
    logTail,
    get running() {
      return isRunning();
    },
    async start() {
      if (isRunning()) return;
      const log = openSync(consoleLog, 'a');
      const proc = spawn(path.join(RABBIT_BIN, 'rabbitmq-server'), [], {
        env,
        cwd: dir,
        stdio: ['ignore', log, log],
        detached: true,
      });
      closeSync(log);
      child = proc;
      const killOnExit = () => {
        if (proc.pid !== undefined) killTree(proc.pid);
      };
      process.once('exit', killOnExit);
      proc.once('exit', () => process.removeListener('exit', killOnExit));
      const deadline = Date.now() + 90_000;
      for (;;) {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(
            `RabbitMQ exited at start (${proc.exitCode ?? proc.signalCode}):\n${logTail()}`,
          );
        }
        if (await answers(url)) return;
        if (Date.now() > deadline) {
          throw new Error(`RabbitMQ did not answer on port ${port} within 90 s:\n${logTail()}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async kill() {
      const proc = child;
      if (!proc?.pid || !isRunning()) return;
      killTree(proc.pid);
      await waitGone(proc.pid);
    },
    async ctl(args) {
      const { stdout } = await run(
        path.join(RABBIT_BIN, 'rabbitmqctl'),
        ['-n', nodeName, ...args],
        {
          env,
          timeout: 60_000,
        },
      );
      return stdout;
    },
    async destroy() {
      const proc = child;
      if (proc?.pid && isRunning()) {
        killTree(proc.pid);
        await waitGone(proc.pid).catch(() => undefined);
      }
      // The node started its own epmd on the private port; it outlives the node by design.
      process.removeListener('exit', killEpmd);
      await run('epmd', ['-port', String(epmdPort), '-kill'], { env }).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await node.start();
  return node;
}

async function answers(url: string): Promise<boolean> {
  try {
    const connection = await amqp.connect(url, { timeout: 2000 });
    connection.on('error', () => undefined);
    await connection.close();
    return true;
  } catch {
    return false;
  }
}
