import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import type { KeyboardInteractiveAuthMethod, PasswordAuthMethod } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import type { SftpConnectionConfig } from './connection.ts';
import { GatewayUnreachableError, type GatewayClient, type RemoteFile } from './gateway-client.ts';
import { HostKeyMismatchError, HostKeyUnconfirmedError, hostKeyFingerprint } from './host-key.ts';

/**
 * `fastGet`'s default 32 KiB chunks third the throughput against OpenSSH. 256 KiB (OpenSSH's
 * sftp-server read limit; a server answering shorter reads is handled by ssh2) with 64 reads
 * in flight measured ~3× faster than 64 KiB on 1.3 MB drops (bench/agent/pull-throughput.ts).
 */
const FAST_GET_CHUNK_BYTES = 256 * 1024;

export interface SftpGatewayOptions {
  /** How long the SSH handshake and login may take. */
  readyTimeoutMs?: number;
  /**
   * How often an SSH keepalive goes out while the gateway sends nothing; three unanswered ones
   * end the connection (so a silent link fails within four intervals instead of hanging).
   */
  keepaliveIntervalMs?: number;
}

/** SSH keepalives while the gateway is silent: a hung link is found within 40 s. */
const KEEPALIVE_INTERVAL_MS = 10_000;
const KEEPALIVE_COUNT_MAX = 3;

/** How the connection ended, once it did: what the agent tells a person. */
interface ConnectionState {
  lost: string | null;
}

/**
 * Connects to an SFTP gateway with key or password authentication and the pinned host key.
 * A password goes by the `password` method, else by `keyboard-interactive` (see
 * `passwordLogins`). A different host key fails with `HostKeyMismatchError`, and no pin at all
 * with `HostKeyUnconfirmedError` (carrying the key presented), both before any credential is sent.
 */
export async function connectSftpGateway(
  conn: SftpConnectionConfig,
  log: Logger,
  options: SftpGatewayOptions = {},
): Promise<GatewayClient> {
  const credential = await credentialOf(conn);
  const byPassword =
    'password' in credential ? passwordLogins(conn.username, credential.password) : undefined;
  const gateway = `${conn.username}@${conn.host}:${conn.port}`;
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const state: ConnectionState = { lost: null };
  let closing = false;
  // The library prints these events to the console unless it gets its own callbacks.
  const client = new SftpClient(gateway, {
    error: (err) => log.warn({ err }, 'sftp connection error'),
    end: () => log.debug('sftp connection ended'),
    close: () => log.debug('sftp connection closed'),
  });
  // The library passes those callbacks only the events no operation handled; these listeners
  // (on the SSH client underneath) hear every one, so the agent knows when the session ended.
  client.on('error', (err: Error) => {
    state.lost ??= /keepalive/i.test(err.message)
      ? `stopped answering (no reply to ${KEEPALIVE_COUNT_MAX} keepalives)`
      : `failed (${err.message})`;
  });
  const ended = (): void => {
    if (!closing) state.lost ??= 'was closed by the gateway';
  };
  client.on('end', ended);
  client.on('close', ended);
  let presented: string | undefined;
  try {
    await client.connect({
      host: conn.host,
      port: conn.port,
      // Nagle's algorithm holds the small SFTP read requests and window adjustments back behind
      // unacknowledged data: with it on, downloads sat mostly idle at a third of the speed
      // (bench/agent/pull-throughput.ts). ssh2 takes a socket of ours; it waits for `connect`.
      sock: net.connect({
        host: conn.host,
        port: conn.port,
        noDelay: true,
        // TCP keepalive too, for the kernel to drop a peer that vanished for good.
        keepAlive: true,
        keepAliveInitialDelay: 60_000,
      }),
      username: conn.username,
      // Only the credential given: ssh2 would otherwise also try an SSH agent.
      ...(byPassword ? { authHandler: byPassword.methods } : credential),
      tryKeyboard: false,
      readyTimeout: readyTimeoutMs,
      keepaliveInterval: options.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      hostVerifier: (key: Buffer) => {
        presented = hostKeyFingerprint(key);
        return presented === conn.hostKeySha256;
      },
    });
  } catch (err) {
    await client.end().catch(() => undefined);
    if (presented !== undefined && presented !== conn.hostKeySha256) {
      if (conn.hostKeySha256 === undefined) throw new HostKeyUnconfirmedError(presented);
      throw new HostKeyMismatchError(conn.hostKeySha256, presented);
    }
    // The library's own function names ("getConnection: ") mean nothing to a technician.
    const message = (err as Error).message.replace(/^[a-zA-Z]+: /, '');
    const refused = /authentication methods failed/i.test(message);
    const silent = /timed out while waiting for handshake/i.test(message);
    const asked = byPassword?.unanswered();
    const hint = silent
      ? `: no SSH handshake within ${Math.round(readyTimeoutMs / 1000)} s; check that the address and port are the gateway's SFTP service and that it runs, and the network between`
      : !refused
        ? ''
        : asked !== undefined
          ? `: the gateway asked for more than a password (${asked}), e.g. a one-time code; ` +
            'the agent supports key or password logins only: give the ride a key, or have the ' +
            'gateway accept the password alone for this user'
          : ': the gateway refused the user name or credential; check them in the ride settings';
    const text = `cannot connect to the gateway ${conn.username}@${conn.host}:${conn.port}: ${message}${hint}`;
    // No host key came back: the gateway was not reached at all.
    if (presented === undefined) throw new GatewayUnreachableError(text, { cause: err });
    throw new Error(text, { cause: err });
  }
  return new SftpGatewayClient(client, gateway, state, () => {
    closing = true;
  });
}

/**
 * The password, first by the `password` method, then by `keyboard-interactive` for gateways
 * that only take it that way (sshd with `PasswordAuthentication no` and PAM). There, the
 * password answers the first prompt round only if it is a single hidden prompt; anything else
 * (several prompts, a visible one, or a further round after the password, as for a one-time
 * code) gets empty answers, so the login fails, and `unanswered` tells what was asked.
 */
function passwordLogins(
  username: string,
  password: string,
): {
  methods: [PasswordAuthMethod, KeyboardInteractiveAuthMethod];
  unanswered: () => string | undefined;
} {
  let passwordSent = false;
  let unanswered: string | undefined;
  const keyboard: KeyboardInteractiveAuthMethod = {
    type: 'keyboard-interactive',
    username,
    prompt: (_name, _instructions, _lang, prompts, finish) => {
      const only = prompts.length === 1 ? prompts[0] : undefined;
      if (!passwordSent && only !== undefined && only.echo !== true) {
        passwordSent = true;
        finish([password]);
        return;
      }
      // Server-chosen text: quoted and cut short before it goes into the error message.
      unanswered = prompts.map((p) => JSON.stringify(p.prompt.trim().slice(0, 80))).join(', ');
      finish(prompts.map(() => ''));
    },
  };
  return {
    methods: [{ type: 'password', username, password }, keyboard],
    unanswered: () => (unanswered === undefined ? undefined : `it prompted ${unanswered}`),
  };
}

async function credentialOf(
  conn: SftpConnectionConfig,
): Promise<{ privateKey: string | Buffer } | { password: string }> {
  if (conn.password !== undefined) return { password: conn.password };
  if (conn.privateKey !== undefined) return { privateKey: conn.privateKey };
  if (conn.privateKeyPath === undefined) {
    throw new Error('the ride has no gateway credential: give a password or a private key');
  }
  try {
    return { privateKey: await readFile(conn.privateKeyPath) };
  } catch (err) {
    throw new Error(
      `cannot read the gateway private key ${conn.privateKeyPath}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * The connection to the gateway ended while the agent used it (the gateway closed the
 * session, the link went silent): said in words, never the library's internals (after a
 * session ends, ssh2-sftp-client's delete and stat answer "Cannot read properties of
 * undefined").
 */
export class GatewayConnectionLostError extends Error {
  override readonly name = 'GatewayConnectionLostError';
}

class SftpGatewayClient implements GatewayClient {
  constructor(
    private readonly client: SftpClient,
    private readonly gateway: string,
    private readonly state: ConnectionState,
    private readonly closing: () => void,
  ) {}

  list(dir: string): Promise<RemoteFile[]> {
    return this.run(`listing "${dir}"`, async () => {
      const entries = await this.client.list(dir);
      return entries
        .filter((e) => e.type === '-')
        .map((e) => ({ name: e.name, size: e.size, mtimeMs: e.modifyTime }));
    });
  }

  download(dir: string, name: string, localPath: string): Promise<void> {
    return this.run(`downloading ${name}`, async () => {
      await this.client.fastGet(path.posix.join(dir, name), localPath, {
        chunkSize: FAST_GET_CHUNK_BYTES,
      });
    });
  }

  remove(dir: string, name: string): Promise<void> {
    return this.run(`deleting ${name}`, async () => {
      await this.client.delete(path.posix.join(dir, name));
    });
  }

  move(dir: string, name: string, toDir: string): Promise<void> {
    return this.run(`moving ${name} to "${toDir}"`, async () => {
      if ((await this.client.exists(toDir)) !== 'd') await this.client.mkdir(toDir, true);
      // Plain SFTP rename fails when the target exists; OpenSSH's posix-rename replaces it.
      await this.client.posixRename(path.posix.join(dir, name), path.posix.join(toDir, name));
    });
  }

  exists(dir: string): Promise<boolean> {
    return this.run(`looking for "${dir}"`, async () => (await this.client.exists(dir)) === 'd');
  }

  async close(): Promise<void> {
    this.closing();
    await this.client.end().catch(() => undefined);
  }

  /**
   * Runs one gateway operation. Once the connection has ended nothing more is tried, and a
   * failure caused by its end (or any programming error of the library, a TypeError) is
   * told as what happened: the connection to the gateway ended, while doing what.
   */
  private async run<T>(doing: string, work: () => Promise<T>): Promise<T> {
    const lostAlready = this.state.lost;
    if (lostAlready !== null) {
      throw new GatewayConnectionLostError(
        `the connection to the gateway ${this.gateway} ${lostAlready} before ${doing}`,
      );
    }
    try {
      return await work();
    } catch (err) {
      // The library may reject before it reports the end of the connection: let it report.
      await new Promise((resolve) => setImmediate(resolve));
      const lost = this.state.lost;
      if (lost !== null || err instanceof TypeError) {
        throw new GatewayConnectionLostError(
          `the connection to the gateway ${this.gateway} ${lost ?? 'ended unexpectedly'} while ${doing}`,
          { cause: err },
        );
      }
      throw err;
    }
  }
}
