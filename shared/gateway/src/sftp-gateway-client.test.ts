import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSftpGateway, type SftpGateway } from '../../../scripts/harness/sftp-gateway.ts';
import { HostKeyMismatchError, HostKeyUnconfirmedError } from './host-key.ts';
import { hostKeyAfterError, hostKeyAfterLogin } from './host-key-status.ts';
import { handleRemoteFile } from './remote-handling.ts';
import { connectSftpGateway } from './sftp-gateway-client.ts';
import { putOnGateway, sftpLoginTo } from './testing/gateway-files.ts';
import { tempDir } from './testing/temp-dir.ts';

const log = pino({ level: 'silent' });
let gw: SftpGateway;
beforeAll(async () => {
  gw = await startSftpGateway();
});
afterAll(async () => {
  await gw?.stop();
});

/** What connecting rejected with (failing the test if it connected). */
async function refusal(conn: Parameters<typeof connectSftpGateway>[0]): Promise<unknown> {
  return connectSftpGateway(conn, log).then(
    async (client) => {
      await client.close();
      throw new Error('the client connected, expected a refusal');
    },
    (err: unknown) => err,
  );
}

describe('SFTP gateway client against a real OpenSSH gateway', () => {
  it('refuses a host key other than the pinned one, before logging in, naming both keys', async () => {
    const pinned = 'SHA256:' + 'A'.repeat(43);
    const conn = { ...sftpLoginTo(gw), hostKeySha256: pinned };
    const err = await refusal(conn);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    expect((err as HostKeyMismatchError).message).toBe(
      `the gateway's host key changed (expected ${pinned}, got ${gw.hostKeySha256}): ` +
        'the ride is stopped until a technician confirms the new key',
    );
    expect(hostKeyAfterError(conn, err)).toEqual({
      state: 'changed',
      pinned,
      presented: gw.hostKeySha256,
    });
  });

  it('shows the key of a first contact and logs in only once that key is pinned', async () => {
    const conn = { ...sftpLoginTo(gw), hostKeySha256: undefined };
    const err = await refusal(conn);
    expect(err).toBeInstanceOf(HostKeyUnconfirmedError);
    expect((err as HostKeyUnconfirmedError).presented).toBe(gw.hostKeySha256);
    expect(hostKeyAfterError(conn, err)).toEqual({
      state: 'unconfirmed',
      pinned: null,
      presented: gw.hostKeySha256,
    });

    const accepted = { ...conn, hostKeySha256: (err as HostKeyUnconfirmedError).presented };
    const client = await connectSftpGateway(accepted, log);
    try {
      expect(await client.exists('.')).toBe(true);
    } finally {
      await client.close();
    }
    expect(hostKeyAfterLogin(accepted)).toEqual({
      state: 'pinned',
      pinned: gw.hostKeySha256,
      presented: gw.hostKeySha256,
    });
  });

  it('moves a file to a done folder it creates, replacing a file of that name there', async () => {
    const local = await tempDir('gw-sftp');
    const client = await connectSftpGateway(sftpLoginTo(gw), log);
    try {
      await putOnGateway(gw, 'move-in', 'a.zip', Buffer.from('new bytes'));
      await putOnGateway(gw, 'move-done', 'a.zip', Buffer.from('an older copy'));
      const listed = await client.list('move-in');
      expect(listed.map((f) => [f.name, f.size])).toEqual([['a.zip', 9]]);
      await client.download('move-in', 'a.zip', path.join(local.dir, 'a.part'));
      expect(await readFile(path.join(local.dir, 'a.part'), 'utf8')).toBe('new bytes');

      expect(await handleRemoteFile(client, 'move-in', 'a.zip', { moveTo: 'move-done' })).toBe(
        'moved to move-done',
      );
      expect(existsSync(path.join(gw.root, 'move-in', 'a.zip'))).toBe(false);
      expect(await readFile(path.join(gw.root, 'move-done', 'a.zip'), 'utf8')).toBe('new bytes');

      await putOnGateway(gw, 'move-in', 'b.zip', Buffer.from('b'));
      expect(await handleRemoteFile(client, 'move-in', 'b.zip', { moveTo: 'fresh/done' })).toBe(
        'moved to fresh/done',
      );
      expect(existsSync(path.join(gw.root, 'fresh', 'done', 'b.zip'))).toBe(true);
    } finally {
      await client.close();
      await local.remove();
    }
  });
});
