import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../agent.ts';
import { parseAgentConfig, type RideConfig } from './config.ts';
import { silentLogger } from '../logger.ts';
import { createStatusRouter } from '../status/status-router.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';

const log = silentLogger();
let gw: SftpGateway;
let login: { username: string; password: string };
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  gw = await startSftpGateway({ passwordAuth: true });
  if (!gw.password) throw new Error('the gateway harness gave no password login');
  login = gw.password;
});
afterAll(async () => {
  await gw?.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const TOKEN = 'park-token-0123456789-secret';

/** An agent on `dataDir` (reopened by tests that restart it) and its router as the UI sees it. */
async function open(dataDir: string, fileRides: RideConfig[] = []) {
  const config = parseAgentConfig({
    park: 'gardaland',
    dataDir,
    // Central stays out: uploads fail and drops stay buffered.
    central: { url: 'http://127.0.0.1:9', token: TOKEN },
    rides: fileRides,
    minAgeSeconds: 0,
  });
  const agent = await createAgent(config, { log });
  cleanups.push(() => agent.close());
  return { agent, api: createStatusRouter(agent).createCaller({ authorized: true }) };
}

async function dataDir(): Promise<string> {
  const d = await tempDir('rides');
  cleanups.push(d.remove);
  return d.dir;
}

/** Every byte the agent keeps in its data directory (database, WAL), concatenated. */
async function storedBytes(dir: string): Promise<Buffer> {
  const files = (await readdir(dir)).filter((f) => f.startsWith('buffer.sqlite'));
  return Buffer.concat(await Promise.all(files.map((f) => readFile(path.join(dir, f)))));
}

function passwordDraft(id: string, remoteDir: string) {
  return {
    id,
    remoteDir,
    connection: {
      type: 'sftp' as const,
      host: gw.host,
      port: gw.port,
      username: login.username,
      password: login.password,
    },
  };
}

describe('rides through the status API, against a real OpenSSH gateway with password login', () => {
  it('adds a password ride, shows the unaccepted host key, pulls only after it is accepted', async () => {
    const drop = buildTestDrop({ sequence: 1 });
    await putOnGateway(gw, 'rm-accept', drop.fileName, drop.zip);
    const dir = await dataDir();
    const { agent, api } = await open(dir);

    const view = await api.rides.add(passwordDraft('r1', 'rm-accept'));
    expect(view.connection).toMatchObject({ type: 'sftp', hasPassword: true });
    expect(JSON.stringify(await api.rides.list())).not.toContain(login.password);

    // First contact: the key is shown, no credential is sent, nothing is pulled.
    const first = await api.rides.testConnection({ rideId: 'r1' });
    expect(first).toMatchObject({
      reachable: true,
      loggedIn: false,
      hostKey: { state: 'unconfirmed', presented: gw.hostKeySha256 },
    });
    const [pulled] = await api.pullNow({ ride: 'r1' });
    expect(pulled?.error).toMatch(/presented host key .* which nobody has accepted yet/);
    expect(agent.status().rides[0]?.hostKey).toMatchObject({
      state: 'unconfirmed',
      presented: gw.hostKeySha256,
    });
    expect(agent.status().drops.buffered).toBe(0);

    // A key nobody saw is not pinned.
    await expect(
      api.rides.acceptHostKey({ rideId: 'r1', fingerprint: `SHA256:${'A'.repeat(43)}` }),
    ).rejects.toThrow(TRPCError);
    await api.rides.acceptHostKey({ rideId: 'r1', fingerprint: gw.hostKeySha256 });
    expect(agent.status().rides[0]?.hostKey.state).toBe('pinned');
    // Only the accepted key is in the activity log, not the refused one.
    expect(
      (await api.activity.list()).events
        .filter((e) => e.kind === 'host_key')
        .map((e) => [e.ride, e.message]),
    ).toEqual([['r1', `host key ${gw.hostKeySha256} accepted by a person`]]);

    expect(await api.rides.testConnection({ rideId: 'r1' })).toEqual({
      reachable: true,
      loggedIn: true,
      hostKey: { state: 'pinned', pinned: gw.hostKeySha256, presented: gw.hostKeySha256 },
      folderExists: true,
      zipFiles: 1,
      error: null,
    });
    const [again] = await api.pullNow({ ride: 'r1' });
    expect(again?.result?.buffered).toBe(1);
    expect((await storedBytes(dir)).includes(Buffer.from(login.password))).toBe(false);
  });

  it('keeps rides, pins and credentials across restarts; an edit without a password keeps it', async () => {
    const dir = await dataDir();
    const first = await open(dir);
    await first.api.rides.add({ ...passwordDraft('r1', 'rm-keep'), schedule: ['*/5 7-22 * * *'] });
    await first.api.rides.testConnection({ rideId: 'r1' });
    await first.api.rides.acceptHostKey({ rideId: 'r1', fingerprint: gw.hostKeySha256 });
    await first.agent.close();

    const second = await open(dir);
    const { password: _pw, ...withoutPassword } = passwordDraft('r1', '').connection;
    void _pw;
    await second.api.rides.edit({ id: 'r1', remoteDir: 'rm-keep-2', connection: withoutPassword });
    const drop = buildTestDrop({ sequence: 2 });
    await putOnGateway(gw, 'rm-keep-2', drop.fileName, drop.zip);

    const [ride] = await second.api.rides.list();
    expect(ride).toMatchObject({
      id: 'r1',
      source: 'stored',
      remoteDir: 'rm-keep-2',
      connection: { hasPassword: true, hostKeySha256: gw.hostKeySha256 },
      // The edit did not give a schedule: the default applies.
      schedule: ['*/15 * * * *'],
    });
    const [pulled] = await second.api.pullNow({ ride: 'r1' });
    expect(pulled?.result?.buffered).toBe(1);
  });

  it('logs each ride added, edited and removed by name, naming changed credentials without writing them', async () => {
    const dir = await dataDir();
    const { api } = await open(dir);
    const newPassword = 'second-gateway-password-7f3a9c';
    const privateKey = await readFile(gw.privateKeyPath, 'utf8');
    const keyBody = privateKey.split('\n')[1] ?? '';
    expect(keyBody.length).toBeGreaterThan(20);

    await api.rides.add({ ...passwordDraft('r1', 'rm-log'), schedule: ['*/5 7-22 * * *'] });
    const first = passwordDraft('r1', 'rm-log-2').connection;
    await api.rides.edit({
      id: 'r1',
      remoteDir: 'rm-log-2',
      schedule: ['0 6 * * *'],
      connection: { ...first, password: newPassword },
    });
    const { password: _pw, ...keyLogin } = first;
    void _pw;
    await api.rides.edit({
      id: 'r1',
      remoteDir: 'rm-log-2',
      schedule: ['0 6 * * *'],
      connection: { ...keyLogin, privateKey, hostKeySha256: gw.hostKeySha256 },
    });
    // Credentials left out of an edit are kept: nothing changed.
    await api.rides.edit({
      id: 'r1',
      remoteDir: 'rm-log-2',
      schedule: ['0 6 * * *'],
      connection: { ...keyLogin, hostKeySha256: gw.hostKeySha256 },
    });
    await api.rides.remove({ rideId: 'r1' });

    const events = (await api.activity.list()).events.filter((e) => e.kind === 'ride').reverse();
    const { timeZone } = await api.settings.get();
    expect(events.map((e) => [e.level, e.ride, e.message])).toEqual([
      [
        'info',
        'r1',
        `ride added: sftp://${gw.host}:${gw.port}, folder "rm-log", pulls every 5 minutes from 07:00 to 22:59, every day, ${timeZone} time; the first pull waits until a person accepts the gateway's host key`,
      ],
      [
        'info',
        'r1',
        `ride edited: password, folder (now "rm-log-2"), schedule (now at 06:00, every day, ${timeZone} time)`,
      ],
      [
        'info',
        'r1',
        `ride edited: password (removed), private key, pinned host key (now ${gw.hostKeySha256})`,
      ],
      ['info', 'r1', 'ride saved with no changes'],
      [
        'info',
        'r1',
        'ride removed: no longer pulled; its drops already buffered stay and are uploaded',
      ],
    ]);
    // No credential in the log, nor anywhere in the database the log lives in.
    const all = JSON.stringify((await api.activity.list()).events);
    for (const secret of [login.password, newPassword, keyBody]) {
      expect(all).not.toContain(secret);
      expect((await storedBytes(dir)).includes(Buffer.from(secret))).toBe(false);
    }
  });

  it('removes a ride of the config file for good: a restart with the same file does not bring it back', async () => {
    const dir = await dataDir();
    const fileRide = rideOnGateway(gw, 'r9', 'rm-file');
    const first = await open(dir, [fileRide]);
    expect((await first.api.rides.list()).map((r) => [r.id, r.source])).toEqual([['r9', 'file']]);
    await first.api.rides.remove({ rideId: 'r9' });
    expect(first.agent.status().rides).toEqual([]);
    await first.agent.close();

    const second = await open(dir, [fileRide]);
    expect(await second.api.rides.list()).toEqual([]);
    await expect(second.api.pullNow({ ride: 'r9' })).rejects.toThrow('no ride "r9"');
  });

  it('stops a ride whose gateway key changed until the new key is accepted, and keeps the pin across restarts', async () => {
    const drop = buildTestDrop({ sequence: 3 });
    await putOnGateway(gw, 'rm-changed', drop.fileName, drop.zip);
    const dir = await dataDir();
    const base = rideOnGateway(gw, 'r1', 'rm-changed');
    const oldPin = `SHA256:${'B'.repeat(43)}`;
    const fileRide = { ...base, connection: { ...base.connection, hostKeySha256: oldPin } };
    const first = await open(dir, [fileRide]);

    const [stopped] = await first.api.pullNow({ ride: 'r1' });
    expect(stopped?.error).toMatch(/the gateway's host key changed \(expected SHA256:B+, got /);
    expect(first.agent.status().rides[0]?.hostKey).toEqual({
      state: 'changed',
      pinned: oldPin,
      presented: gw.hostKeySha256,
    });
    await first.api.rides.acceptHostKey({ rideId: 'r1', fingerprint: gw.hostKeySha256 });
    const [pulled] = await first.api.pullNow({ ride: 'r1' });
    expect(pulled?.result?.buffered).toBe(1);
    await first.agent.close();

    // The accepted key is stored with the ride and wins over the file's old pin.
    const second = await open(dir, [fileRide]);
    expect((await second.api.rides.list())[0]).toMatchObject({
      source: 'stored',
      connection: { hostKeySha256: gw.hostKeySha256 },
    });
    const [again] = await second.api.pullNow({ ride: 'r1' });
    expect(again?.error).toBeNull();
  });

  it('pulls with a private key given as text (as the UI sends it), kept sealed', async () => {
    const drop = buildTestDrop({ sequence: 5 });
    await putOnGateway(gw, 'rm-inline-key', drop.fileName, drop.zip);
    const dir = await dataDir();
    const { api } = await open(dir);
    const privateKey = await readFile(gw.privateKeyPath, 'utf8');

    const view = await api.rides.add({
      id: 'r1',
      remoteDir: 'rm-inline-key',
      connection: {
        type: 'sftp',
        host: gw.host,
        port: gw.port,
        username: gw.username,
        privateKey,
        hostKeySha256: gw.hostKeySha256,
      },
    });

    expect(view.connection).toMatchObject({ hasPrivateKey: true, hasPassword: false });
    const [pulled] = await api.pullNow({ ride: 'r1' });
    expect(pulled?.result?.buffered).toBe(1);
    const keyBody = privateKey.split('\n')[1] ?? '';
    expect(keyBody.length).toBeGreaterThan(20);
    expect((await storedBytes(dir)).includes(Buffer.from(keyBody))).toBe(false);
  });

  it('says the gateway refused the credential when the password is wrong', async () => {
    const { api } = await open(await dataDir());
    const draft = passwordDraft('r1', '.');
    const result = await api.rides.testConnection({
      draft: {
        ...draft,
        connection: { ...draft.connection, password: 'wrong', hostKeySha256: gw.hostKeySha256 },
      },
    });
    expect(result).toMatchObject({ reachable: true, loggedIn: false, folderExists: null });
    expect(result.error).toMatch(/the gateway refused the user name or credential/);
  });

  it('shows a clear error on the ride when the key file is not the one that sealed its password', async () => {
    const dir = await dataDir();
    const first = await open(dir);
    await first.api.rides.add(passwordDraft('r1', 'rm-key'));
    await first.agent.close();
    await rm(path.join(dir, 'secrets.key'));
    await writeFile(path.join(dir, 'secrets.key'), Buffer.alloc(32, 7), { mode: 0o600 });

    const second = await open(dir);
    const [ride] = await second.api.rides.list();
    expect(ride?.credentialError).toMatch(
      /stored credentials cannot be decrypted with the key in .*secrets\.key: the key file is not the one that encrypted them/,
    );
    const [pulled] = await second.api.pullNow({ ride: 'r1' });
    expect(pulled?.error).toBe(ride?.credentialError);
    // Entering the password again fixes the ride.
    await second.api.rides.edit(passwordDraft('r1', 'rm-key'));
    expect((await second.api.rides.list())[0]?.credentialError).toBeNull();
  });

  it('refuses an invalid ride with the field and its fix, and previews schedules in words', async () => {
    const { api } = await open(await dataDir());
    await expect(
      api.rides.add({ ...passwordDraft('r1', '.'), schedule: ['every day'] }),
    ).rejects.toThrow(/schedule/);
    const { connection } = passwordDraft('r1', '.');
    const { password: _pw, ...noCredential } = connection;
    void _pw;
    await expect(api.rides.add({ id: 'r1', connection: noCredential })).rejects.toThrow(
      'give exactly one of privateKeyPath, privateKey or password',
    );
    expect(await api.rides.describeSchedule({ rules: ['*/15 7-23 * * *', 'nope'] })).toEqual([
      {
        rule: '*/15 7-23 * * *',
        valid: true,
        words: 'every 15 minutes from 07:00 to 23:59, every day',
      },
      { rule: 'nope', valid: false, words: null },
    ]);
  });
});

describe('settings through the status API', () => {
  it('applies and keeps the settings; the park token is sealed and never sent back', async () => {
    const dir = await dataDir();
    const first = await open(dir);
    const newToken = 'another-park-token-abcdefgh-WXYZ';
    const view = await first.api.settings.update({
      parkToken: newToken,
      bufferMaxBytes: 5_000_000,
      uploadBytesPerSecond: 65_536,
      retainAcknowledgedHours: 24,
    });
    expect(view).toMatchObject({ parkTokenHint: '…WXYZ', bufferMaxBytes: 5_000_000 });
    expect(JSON.stringify(view)).not.toContain(newToken);
    expect(first.agent.status().buffer.maxBytes).toBe(5_000_000);
    expect(first.agent.status().uploadBytesPerSecond).toBe(65_536);
    await expect(first.api.settings.update({ centralUrl: 'ftp://x' })).rejects.toThrow(
      /central.s base URL/,
    );
    await first.agent.close();
    expect((await storedBytes(dir)).includes(Buffer.from(newToken))).toBe(false);

    const second = await open(dir);
    expect(await second.api.settings.get()).toMatchObject({
      centralUrl: 'http://127.0.0.1:9',
      parkTokenHint: '…WXYZ',
      parkTokenError: null,
      uploadBytesPerSecond: 65_536,
      bufferMaxBytes: 5_000_000,
      retainAcknowledgedHours: 24,
    });
  });
});
