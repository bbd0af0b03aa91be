import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { portAccepts } from './port.ts';
import { descendants, killTree } from './process-tree.ts';
import type { SftpGateway } from './sftp-gateway.ts';
import { waitFor } from './wait-for.ts';

const run = promisify(execFile);

/**
 * Kills and restarts the sshd of a harness gateway (`startSftpGateway()` without `root`), on
 * the same port with the same config, or with a new host key. The harness keeps its config,
 * pid file and keys next to `root`; this helper relies on that layout and says so if it moved.
 */
export interface GatewayProcess {
  /** kill -9 of the listening sshd and of every session process it forked. */
  kill(): void;
  /**
   * kill -9 of every session process (the per-connection sshd and its sftp-server), the
   * listener left running: open connections die, new ones are served. Returns how many died.
   */
  killSessions(): number;
  /** Starts sshd again on the same port with the same host key; resolves once it listens. */
  restart(): Promise<void>;
  /** Restarts sshd with a freshly generated host key; resolves with its fingerprint. */
  restartWithNewHostKey(): Promise<string>;
  /** Restarts sshd with its config changed by `edit` (e.g. to allow password logins). */
  restartWithConfig(edit: (config: string) => string): Promise<void>;
  /** Stops a restarted sshd (call before the harness's `stop()`). */
  stop(): Promise<void>;
}

export function controlGateway(gw: SftpGateway): GatewayProcess {
  const dir = path.dirname(gw.root);
  const configPath = path.join(dir, 'sshd_config');
  const pidFile = path.join(dir, 'sshd.pid');
  if (!existsSync(configPath) || !existsSync(pidFile)) {
    throw new Error(
      `no sshd_config / sshd.pid next to ${gw.root}: scripts/harness/sftp-gateway.ts changed its layout; update scripts/harness/gateway-process.ts`,
    );
  }
  let restarted: ChildProcess | null = null;

  const start = async (config: string): Promise<void> => {
    const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
      stdio: ['ignore', 'ignore', 'ignore'],
      detached: true,
    });
    restarted = child;
    await waitFor(`sshd listening again on port ${gw.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}`);
      return portAccepts(gw.port);
    });
  };

  const waitClosed = () =>
    waitFor(`port ${gw.port} to close`, async () => !(await portAccepts(gw.port)), {
      timeoutMs: 10_000,
    });

  return {
    killSessions() {
      const listener = restarted?.pid ?? Number(readFileSync(pidFile, 'utf8').trim());
      const sessions = descendants(listener);
      for (const p of sessions) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      return sessions.length;
    },
    kill() {
      if (restarted?.pid !== undefined) {
        killTree(restarted.pid);
        return;
      }
      // Read synchronously: the kill must happen at the exact moment the caller chose.
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      killTree(pid);
    },
    async restart() {
      await waitClosed();
      await start(configPath);
    },
    async restartWithNewHostKey() {
      const key = path.join(dir, `host_ed25519_new_${Date.now()}`);
      await run('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        'replaced-gateway',
        '-f',
        key,
      ]);
      await this.restartWithConfig((c) => c.replace(/^HostKey .*$/m, `HostKey ${key}`));
      const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`]);
      return stdout.split(/\s+/)[1] ?? '';
    },
    async restartWithConfig(edit) {
      await waitClosed();
      const newConfig = path.join(dir, `sshd_config_${Date.now()}`);
      await writeFile(newConfig, edit(await readFile(configPath, 'utf8')));
      await start(newConfig);
    },
    async stop() {
      const child = restarted;
      if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      killTree(child.pid);
      await exited;
    },
  };
}
