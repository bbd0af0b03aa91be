import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, portAccepts } from './port.ts';

const run = promisify(execFile);

const SSHD = '/usr/sbin/sshd';

/** A private OpenSSH SFTP server standing in for a park's ride gateway in tests. */
export interface SftpGateway {
  host: string;
  port: number;
  /** The local user sshd authenticates (the one running the tests). */
  username: string;
  /** Client private key (ed25519, no passphrase) that the server accepts. */
  privateKeyPath: string;
  /** Host key fingerprint as `ssh-keygen -lf` prints it: `SHA256:…` without padding. */
  hostKeySha256: string;
  /** Directory the SFTP session starts in; relative remote paths resolve against it. */
  root: string;
  /**
   * With `passwordAuth`: a second login (`PASSWORD_USER`, an unprivileged local user) that
   * authenticates with this password; it can read the served files but not change them.
   */
  password?: { username: string; password: string };
  /** Stops sshd and every session it forked, then removes the temp dir it created. */
  stop(): Promise<void>;
}

export interface SftpGatewayOptions {
  /** Directory to serve; a fresh temp dir when omitted (removed again on stop). */
  root?: string;
  /** Also accept a password login (see `SftpGateway.password`). */
  passwordAuth?: boolean;
  /**
   * How sshd takes that password: the `password` method (the default), or only
   * `keyboard-interactive` through PAM, as parks' gateways set up with `PasswordAuthentication no`,
   * `KbdInteractiveAuthentication yes` and `UsePAM yes` do. Implies `passwordAuth`.
   */
  passwordVia?: 'password' | 'keyboard-interactive';
}

/** The local user the password login uses; created on first use, with no shell. */
export const PASSWORD_USER = 'zra-sftp-test';

/**
 * Starts `/usr/sbin/sshd -D -e` with its own config, host key and authorized client key on
 * 127.0.0.1 and a free high port, and resolves once the port accepts connections.
 * The login can only run `internal-sftp` starting in `root` (ForceCommand), so running it as
 * root in a test container exposes nothing but SFTP.
 */
export async function startSftpGateway(options: SftpGatewayOptions = {}): Promise<SftpGateway> {
  if (!existsSync(SSHD)) {
    throw new Error(`${SSHD} not found: install openssh-server: apt-get install openssh-server`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zra-sftp-gateway-'));
  const root = options.root ?? path.join(dir, 'root');
  await mkdir(root, { recursive: true });
  // sshd refuses to start without its privilege-separation directory.
  await mkdir('/run/sshd', { recursive: true });

  const hostKey = path.join(dir, 'host_ed25519');
  const clientKey = path.join(dir, 'client_ed25519');
  await keygen(hostKey, 'zra-test-gateway');
  await keygen(clientKey, 'zra-test-agent');
  await writeFile(path.join(dir, 'authorized_keys'), await readFile(`${clientKey}.pub`));
  const hostKeySha256 = await fingerprint(`${hostKey}.pub`);
  const username = os.userInfo().username;
  const passwordVia = options.passwordVia ?? 'password';
  const wantsPassword = options.passwordAuth === true || options.passwordVia !== undefined;
  const password = wantsPassword ? await ensurePasswordUser() : undefined;
  if (password) {
    // The unprivileged login must reach and read the served folder.
    await chmod(dir, 0o755);
    await chmod(root, 0o755);
  }

  let lastError: unknown;
  // A port found free can be taken before sshd binds it; a few attempts make that race moot.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const configPath = path.join(dir, 'sshd_config');
    await writeFile(
      configPath,
      sshdConfig({
        dir,
        port,
        hostKey,
        root,
        username,
        passwordUser: password?.username,
        passwordVia,
      }),
    );
    const child = spawn(SSHD, ['-D', '-e', '-f', configPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // Own process group, so stop() also ends the per-connection processes sshd forks.
      detached: true,
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000);
    });
    const killOnExit = (): void => killGroup(child);
    process.once('exit', killOnExit);
    try {
      await waitForPort(port, child, () => stderr);
    } catch (err) {
      process.removeListener('exit', killOnExit);
      killGroup(child);
      lastError = err;
      continue;
    }
    return {
      host: '127.0.0.1',
      port,
      username,
      privateKeyPath: clientKey,
      hostKeySha256,
      root,
      password,
      stop: async () => {
        process.removeListener('exit', killOnExit);
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`sshd did not start: ${String(lastError)}`);
}

function sshdConfig(o: {
  dir: string;
  port: number;
  hostKey: string;
  root: string;
  username: string;
  passwordUser?: string;
  passwordVia: 'password' | 'keyboard-interactive';
}): string {
  // PAM's sshd service (/etc/pam.d/sshd) asks for the password and checks it against /etc/shadow.
  const viaPam = o.passwordUser !== undefined && o.passwordVia === 'keyboard-interactive';
  return [
    `ListenAddress 127.0.0.1`,
    `Port ${o.port}`,
    `HostKey ${o.hostKey}`,
    `PidFile ${path.join(o.dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(o.dir, 'authorized_keys')}`,
    `AllowUsers ${o.username}${o.passwordUser ? ` ${o.passwordUser}` : ''}`,
    `PubkeyAuthentication yes`,
    `PasswordAuthentication ${o.passwordUser && !viaPam ? 'yes' : 'no'}`,
    `PermitEmptyPasswords no`,
    `KbdInteractiveAuthentication ${viaPam ? 'yes' : 'no'}`,
    `UsePAM ${viaPam ? 'yes' : 'no'}`,
    // Keys live under /tmp, whose permissions StrictModes would reject.
    `StrictModes no`,
    `PermitRootLogin prohibit-password`,
    `AllowTcpForwarding no`,
    `X11Forwarding no`,
    `PermitTTY no`,
    `Subsystem sftp internal-sftp`,
    `ForceCommand internal-sftp -d ${o.root}`,
    `LogLevel INFO`,
    '',
  ].join('\n');
}

/**
 * Creates `PASSWORD_USER` (no home, no shell) with a random password on first use and answers
 * its credentials. The password is kept in a root-only file so parallel test files agree on
 * it; a flock serialises the creation. sshd checks it against /etc/shadow, itself or through PAM.
 */
async function ensurePasswordUser(): Promise<{ username: string; password: string }> {
  const script = [
    'set -e',
    `id -u ${PASSWORD_USER} >/dev/null 2>&1 || useradd -M -d /nonexistent -s /usr/sbin/nologin ${PASSWORD_USER}`,
    `if [ ! -s ${PASSWORD_FILE} ]; then`,
    `  umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > ${PASSWORD_FILE}`,
    `  printf '%s:%s\n' ${PASSWORD_USER} "$(cat ${PASSWORD_FILE})" | chpasswd`,
    'fi',
  ].join('\n');
  await run('flock', ['/tmp/zra-sftp-test-user.lock', 'sh', '-c', script]);
  return { username: PASSWORD_USER, password: (await readFile(PASSWORD_FILE, 'utf8')).trim() };
}

const PASSWORD_FILE = '/root/.zra-sftp-test-password';

async function keygen(file: string, comment: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

async function fingerprint(pubFile: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile]);
  const fp = stdout.split(/\s+/)[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen output: ${stdout}`);
  return fp;
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`sshd exited (${child.exitCode ?? child.signalCode}): ${stderr().trim()}`);
    }
    if (await portAccepts(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port} within 10 s: ${stderr().trim()}`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
  // Sessions forked before the stop may outlive the listener; they share its group.
  try {
    process.kill(-(child.pid ?? 0), 'SIGKILL');
  } catch {
    // No session was left.
  }
}
