import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Server, utils, type Connection, type KeyboardAuthContext, type Prompt } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSftpGateway, type SftpGateway } from '../../../scripts/harness/sftp-gateway.ts';
import type { SftpConnectionConfig } from './connection.ts';
import { pino } from 'pino';
import { putOnGateway } from './testing/gateway-files.ts';
import { tempDir } from './testing/temp-dir.ts';
import { connectSftpGateway } from './sftp-gateway-client.ts';
import { hostKeyFingerprint } from './host-key.ts';

const log = pino({ level: 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The harness's password login on `gw`, with `password` in place of the right one if given. */
function passwordLogin(gw: SftpGateway, password?: string): SftpConnectionConfig {
  if (!gw.password) throw new Error('the gateway harness gave no password login');
  return {
    type: 'sftp',
    host: gw.host,
    port: gw.port,
    username: gw.password.username,
    password: password ?? gw.password.password,
    hostKeySha256: gw.hostKeySha256,
  };
}

/** What `connectSftpGateway` rejected with (failing the test if it connected). */
async function connectError(conn: SftpConnectionConfig): Promise<Error> {
  const outcome = await connectSftpGateway(conn, log).then(
    async (client) => {
      await client.close();
      return undefined;
    },
    (err: unknown) => err,
  );
  if (!(outcome instanceof Error)) throw new Error('the agent logged in, expected a refusal');
  return outcome;
}

describe('password login on an OpenSSH gateway that takes passwords only by keyboard-interactive (PAM)', () => {
  let gw: SftpGateway;
  beforeAll(async () => {
    gw = await startSftpGateway({ passwordVia: 'keyboard-interactive' });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('logs in with the password, lists and downloads a file', async () => {
    const login = passwordLogin(gw);
    // The gateway really refuses the `password` method, so the login below went another way.
    const plain = new SftpClient('plain', { error: () => {}, end: () => {}, close: () => {} });
    await expect(
      plain.connect({ ...login, tryKeyboard: false, readyTimeout: 10_000 }),
    ).rejects.toThrow(/authentication methods failed/);

    const bytes = randomBytes(300_000);
    await putOnGateway(gw, 'ki-drops', 'drop-1.zip', bytes);
    const client = await connectSftpGateway(login, log);
    cleanups.push(() => client.close());
    expect((await client.list('ki-drops')).map((f) => [f.name, f.size])).toEqual([
      ['drop-1.zip', bytes.length],
    ]);
    const local = await tempDir('ki-download');
    cleanups.push(local.remove);
    await client.download('ki-drops', 'drop-1.zip', path.join(local.dir, 'drop-1.zip'));
    expect((await readFile(path.join(local.dir, 'drop-1.zip'))).equals(bytes)).toBe(true);
  });

  it('says the gateway refused the credential when the password is wrong', async () => {
    const err = await connectError(passwordLogin(gw, 'not-the-password'));
    expect(err.message).toMatch(
      new RegExp(
        `^cannot connect to the gateway zra-sftp-test@127\\.0\\.0\\.1:${gw.port}: .*authentication methods failed: the gateway refused the user name or credential; check them in the ride settings$`,
      ),
    );
  });
});

describe('password login on an OpenSSH gateway with the password method', () => {
  it('still logs in (keyboard-interactive is off there)', async () => {
    const gw = await startSftpGateway({ passwordAuth: true });
    cleanups.push(() => gw.stop());
    await putOnGateway(gw, 'pw-drops', 'drop-2.zip', Buffer.from('drop two'));
    const client = await connectSftpGateway(passwordLogin(gw), log);
    cleanups.push(() => client.close());
    expect((await client.list('pw-drops')).map((f) => f.name)).toEqual(['drop-2.zip']);
  });
});

/**
 * An SSH server (ssh2's) standing in for a gateway that wants a one-time code: OpenSSH would
 * need the system's PAM stack changed for that. It refuses every method but keyboard-interactive,
 * asks `rounds` one after the other, records the answers and finally refuses the login.
 */
async function codeAskingGateway(
  rounds: Prompt[][],
): Promise<{ conn: SftpConnectionConfig; answers: string[][] }> {
  const keys = utils.generateKeyPairSync('ed25519');
  const hostKey = utils.parseKey(keys.public);
  if (hostKey instanceof Error) throw hostKey;
  const answers: string[][] = [];
  const clients = new Set<Connection>();
  const ask = (ctx: KeyboardAuthContext, left: Prompt[][]): void => {
    const [round, ...rest] = left;
    if (!round) return ctx.reject();
    ctx.prompt(round, (given) => {
      answers.push(given);
      ask(ctx, rest);
    });
  };
  const server = new Server({ hostKeys: [keys.private] }, (client) => {
    clients.add(client);
    client
      .on('authentication', (ctx) => {
        if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
        ask(ctx, rounds);
      })
      .on('error', () => {})
      .on('close', () => clients.delete(client));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const c of clients) c.end();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    conn: {
      type: 'sftp',
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      username: 'park',
      password: 'the-password',
      hostKeySha256: hostKeyFingerprint(hostKey.getPublicSSH()),
    },
    answers,
  };
}

describe('a gateway that asks for more than a password', () => {
  const moreThanAPassword =
    /: the gateway asked for more than a password \(it prompted .*\), e\.g\. a one-time code; the agent supports key or password logins only/;

  it('gets the password once, an empty one-time code, and a message that says why', async () => {
    const { conn, answers } = await codeAskingGateway([
      [{ prompt: 'Password: ', echo: false }],
      [{ prompt: 'Verification code: ', echo: false }],
    ]);
    const err = await connectError(conn);
    expect(answers).toEqual([['the-password'], ['']]);
    expect(err.message).toMatch(moreThanAPassword);
    expect(err.message).toContain('"Verification code:"');
  });

  it.each([
    ['a visible prompt', [{ prompt: 'One-time code: ', echo: true }]],
    [
      'several prompts at once',
      [
        { prompt: 'Password: ', echo: false },
        { prompt: 'Token: ', echo: false },
      ],
    ],
  ])('never shows the password to %s, and says why the login failed', async (_, prompts) => {
    const { conn, answers } = await codeAskingGateway([prompts]);
    const err = await connectError(conn);
    expect(answers).toEqual([prompts.map(() => '')]);
    expect(err.message).toMatch(moreThanAPassword);
  });
});
