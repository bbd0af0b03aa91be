import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSftpGateway, type SftpGateway } from './sftp-gateway.ts';

// The library logs connection events to the console unless given its own callbacks.
const quiet: SftpClient.Callbacks = { error: () => {}, end: () => {}, close: () => {} };

describe('sftp gateway harness', () => {
  let gw: SftpGateway;
  beforeAll(async () => {
    gw = await startSftpGateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  function connectOptions(privateKey: Buffer): SftpClient.ConnectOptions {
    return {
      host: gw.host,
      port: gw.port,
      username: gw.username,
      privateKey,
      readyTimeout: 10_000,
    };
  }

  it('serves a file from its root to the authorized key', async () => {
    writeFileSync(path.join(gw.root, 'hello.txt'), 'hello park');
    const client = new SftpClient('test', quiet);
    await client.connect(connectOptions(readFileSync(gw.privateKeyPath)));
    try {
      const list = await client.list('.');
      expect(list.map((f) => f.name)).toContain('hello.txt');
      const data = await client.get('hello.txt');
      expect(Buffer.isBuffer(data) ? data.toString() : '').toBe('hello park');
    } finally {
      await client.end();
    }
  });

  it('reports the host key fingerprint the server presents', async () => {
    let seen = '';
    const client = new SftpClient('test', quiet);
    await client.connect({
      ...connectOptions(readFileSync(gw.privateKeyPath)),
      hostVerifier: (key: Buffer) => {
        seen = `SHA256:${sha256Base64(key)}`;
        return true;
      },
    });
    await client.end();
    expect(seen).toBe(gw.hostKeySha256);
  });

  it('refuses a key it was not given', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zra-stranger-'));
    const key = path.join(dir, 'id');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const client = new SftpClient('test', quiet);
    await expect(client.connect(connectOptions(readFileSync(key)))).rejects.toThrow(
      /authentication/i,
    );
  });
});

function sha256Base64(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}
