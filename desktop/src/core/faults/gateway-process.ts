import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { portAccepts } from '../../../../scripts/harness/port.ts';
import type { SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';
import { waitFor } from '../../../../scripts/harness/wait-for.ts';

const run = promisify(execFile);

/**
 * Kills and restarts the sshd of a harness gateway (`startSftpGateway()` without `root`), on
 * the same port with the same config, or with a new host key. The harness keeps its config,
 * pid file and keys next to `root`; this helper relies on that layout and says so if it moved.
 */
export interface GatewayProcess {
  /** kill -9 of the listening sshd and of every session it forked (the process group). */
  kill(): void;
  /** Starts sshd again on the same port with the same host key; resolves once it listens. */
  restart(): Promise<void>;
  /** Restarts sshd with a freshly generated host key; resolves with its fingerprint. */
  restartWithNewHostKey(): Promise<string>;
  /** Stops a restarted sshd (call before the harness's `stop()`). */
  stop(): Promise<void>;
}

export function controlGateway(gw: SftpGateway): GatewayProcess {
  const dir = path.dirname(gw.root);
  const configPath = path.join(dir, 'sshd_config');
  const pidFile = path.join(dir, 'sshd.pid');
  if (!existsSync(configPath) || !existsSync(pidFile)) {
    throw new Error(
      `no sshd_config / sshd.pid next to ${gw.root}: scripts/harness/sftp-gateway.ts changed its layout; update faults/gateway-process.ts`,
    );
  }
  let restarted: ChildProcess | null = null;

  const killGroup = (pid: number): void => {
    try {
      // sshd runs detached, so its pid is its process group: sessions die with it.
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };

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
    kill() {
      if (restarted?.pid !== undefined) {
        killGroup(restarted.pid);
        return;
      }
      // Read synchronously: the kill must happen at the exact moment the caller chose.
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      killGroup(pid);
    },
    async restart() {
      await waitClosed();
      await start(configPath);
    },
    async restartWithNewHostKey() {
      await waitClosed();
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
      const config = (await readFile(configPath, 'utf8')).replace(
        /^HostKey .*$/m,
        `HostKey ${key}`,
      );
      const newConfig = path.join(dir, 'sshd_config_new_key');
      await writeFile(newConfig, config);
      await start(newConfig);
      const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`]);
      return stdout.split(/\s+/)[1] ?? '';
    },
    async stop() {
      const child = restarted;
      if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      killGroup(child.pid);
      await exited;
    },
  };
}
