import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateSmallDrop, verifyDrop } from '@zra/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';
import { startTcpProxy } from '../../../../scripts/harness/tcp-proxy.ts';
import { createAgent } from '../agent.ts';
import { DropBuffer } from '../buffer/drop-buffer.ts';
import { parseAgentConfig, type RideConfig } from '../settings/config.ts';
import { connectGateway } from '@zra/gateway';
import { silentLogger } from '../logger.ts';
import { pullRide, type PullDeps } from '../pull/pull.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { controlGateway, type GatewayProcess } from './gateway-process.ts';

const log = silentLogger();
const run = promisify(execFile);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A gateway of its own (each test kills or replaces its sshd) and the means to do so. */
async function gateway(): Promise<{ gw: SftpGateway; proc: GatewayProcess }> {
  const gw = await startSftpGateway();
  const proc = controlGateway(gw);
  cleanups.push(
    () => gw.stop(),
    () => proc.stop(),
  );
  return { gw, proc };
}

async function bufferIn(label: string): Promise<{ buffer: DropBuffer; dir: string }> {
  const data = await tempDir(label);
  const buffer = await DropBuffer.open(data.dir, log);
  cleanups.push(data.remove, () => buffer.close());
  return { buffer, dir: data.dir };
}

function deps(buffer: DropBuffer): PullDeps {
  return {
    park: 'gardaland',
    buffer,
    connect: (r) => connectGateway(r.connection, log),
    verify: verifyDrop,
    log,
    minAgeMs: 0,
  };
}

describe('the SFTP server killed with kill -9 mid-download', () => {
  it('fails that file without recording it or leaving a temp file, and the next pull completes it', async () => {
    const { gw, proc } = await gateway();
    const drop = generateSmallDrop({ park: 'gardaland', ride: 'r1', rateHz: 100 });
    const sha = createHash('sha256').update(drop.zip).digest('hex');
    await putOnGateway(gw, 'killed', drop.fileName, drop.zip);
    // The proxy only watches the bytes: sshd dies once a third of the file has come through.
    let seen = 0;
    let killed = false;
    const proxy = await startTcpProxy({
      targetHost: gw.host,
      targetPort: gw.port,
      onData: (direction, chunk) => {
        if (direction !== 'to-client' || killed) return;
        seen += chunk.length;
        if (seen > drop.zip.length / 3) {
          killed = true;
          proc.kill();
        }
      },
    });
    cleanups.push(() => proxy.close());
    const ride = rideOnGateway(gw, 'r1', 'killed');
    const viaProxy: RideConfig = { ...ride, connection: { ...ride.connection, port: proxy.port } };
    const { buffer, dir } = await bufferIn('faults-killed');

    const cut = await pullRide(viaProxy, deps(buffer)).catch((err: unknown) => err as Error);

    expect(killed).toBe(true);
    // Either the download of the file failed, or (had sshd died before the listing) the ride.
    if (cut instanceof Error) expect(cut.message).toMatch(/gateway|connect|closed|ended/i);
    else
      expect(cut).toMatchObject({ buffered: 0, quarantined: 0, failed: [{ name: drop.fileName }] });
    expect(buffer.list()).toEqual([]);
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);

    await proc.restart();
    const next = await pullRide(viaProxy, deps(buffer));

    expect(next).toMatchObject({ buffered: 1, failed: [] });
    expect(buffer.list()).toMatchObject([{ sha256: sha, state: 'buffered' }]);
    const blob = await readFile(buffer.blobs.blobPath(sha));
    expect(createHash('sha256').update(blob).digest('hex')).toBe(sha);
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
  });
});

describe('the gateway session killed during the clean-up after buffering', () => {
  it('says in words that the connection ended, buffers every drop once, and the next pull finishes the clean-up', async () => {
    const { gw, proc } = await gateway();
    const drops = [1, 2, 3, 4].map((sequence) => buildTestDrop({ sequence }));
    for (const [i, d] of drops.entries()) {
      await putOnGateway(gw, 'cleanup-killed', d.fileName, d.zip, 200 - i * 10);
    }
    const ride = rideOnGateway(gw, 'r1', 'cleanup-killed', 'delete');
    const { buffer } = await bufferIn('faults-cleanup-killed');
    let killed = 0;
    const killingDeps: PullDeps = {
      ...deps(buffer),
      connect: async (r) => {
        const client = await connectGateway(r.connection, log);
        return {
          list: (dir) => client.list(dir),
          download: (dir, name, to) => client.download(dir, name, to),
          move: (dir, name, to) => client.move(dir, name, to),
          exists: (dir) => client.exists(dir),
          close: () => client.close(),
          // The session dies just as the first delete goes out.
          remove: (dir, name) => {
            if (killed === 0) killed = proc.killSessions();
            return client.remove(dir, name);
          },
        };
      },
    };

    const first = await pullRide(ride, killingDeps);

    expect(killed).toBeGreaterThan(0);
    const problems = [...first.cleanupFailed, ...first.failed];
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p.error).not.toMatch(/undefined|Cannot read properties/);
      expect(p.error).toMatch(
        /the connection to the gateway \S+ (was closed by the gateway|failed \(.*\)|ended unexpectedly) (while|before) (deleting|downloading) /,
      );
      expect(p.error).toMatch(/the next pull tries again$/);
    }
    expect(first.cleanupFailed[0]?.error).toMatch(
      /^gardaland_r1_\S+\.zip is safe in the buffer, but deleting it from the gateway failed: /,
    );

    // The listener still serves: the next pull buffers what is left and deletes what remains.
    const next = await pullRide(ride, deps(buffer));
    expect(next.failed).toEqual([]);
    expect(next.cleanupFailed).toEqual([]);
    expect(
      buffer
        .list()
        .map((d) => d.sha256)
        .sort(),
    ).toEqual(drops.map((d) => d.sha256).sort());
    expect(await readdir(path.join(gw.root, 'cleanup-killed'))).toEqual([]);
  });
});

describe('a gateway that presents another host key', () => {
  it('stops the ride with a clear message, shows both keys and downloads nothing', async () => {
    const { gw, proc } = await gateway();
    const drop = buildTestDrop();
    await putOnGateway(gw, 'rekeyed', drop.fileName, drop.zip);
    const data = await tempDir('faults-rekeyed');
    cleanups.push(data.remove);
    const agent = await createAgent(
      parseAgentConfig({
        park: 'gardaland',
        dataDir: data.dir,
        central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
        rides: [rideOnGateway(gw, 'r1', 'rekeyed')],
        minAgeSeconds: 0,
      }),
      { log },
    );
    cleanups.push(() => agent.close());
    // The gateway is replaced (or someone sits in the middle): same address, new key.
    proc.kill();
    const newKey = await proc.restartWithNewHostKey();
    expect(newKey).toMatch(/^SHA256:/);
    expect(newKey).not.toBe(gw.hostKeySha256);

    const run = await agent.runOnce();

    const message =
      `the gateway's host key changed (expected ${gw.hostKeySha256}, got ${newKey}): ` +
      'the ride is stopped until a technician confirms the new key';
    expect(run.rides).toEqual([{ id: 'r1', result: null, error: message, paused: null }]);
    expect(agent.status().rides[0]).toMatchObject({
      lastError: message,
      hostKeyChanged: { expected: gw.hostKeySha256, got: newKey },
    });
    expect(run.drops.buffered).toBe(0);
    expect(await readdir(path.join(data.dir, 'tmp'))).toEqual([]);
    expect(await readdir(path.join(data.dir, 'blobs'))).toEqual([]);
  });
});

describe('a gateway that refuses the credential', () => {
  it('fails the ride with a message that says to check the credential, and downloads nothing', async () => {
    const { gw } = await gateway();
    const drop = buildTestDrop();
    await putOnGateway(gw, 'wrong-key', drop.fileName, drop.zip);
    // A key the gateway has never seen (e.g. the access node was re-installed).
    const t = await tempDir('faults-key');
    cleanups.push(t.remove);
    const keyPath = path.join(t.dir, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
    const ride = rideOnGateway(gw, 'r1', 'wrong-key');
    const wrongKey: RideConfig = {
      ...ride,
      connection: { ...ride.connection, privateKeyPath: keyPath },
    };
    const { buffer, dir } = await bufferIn('faults-wrong-key');

    // ssh2's "All configured authentication methods failed", with the gateway named.
    await expect(pullRide(wrongKey, deps(buffer))).rejects.toThrow(
      new RegExp(
        `cannot connect to the gateway ${gw.username}@127\\.0\\.0\\.1:${gw.port}: .*authentication methods failed`,
      ),
    );
    expect(buffer.list()).toEqual([]);
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('fails the ride on a wrong password with a message that says to check it, and downloads nothing', async () => {
    const { gw, proc } = await gateway();
    const drop = buildTestDrop();
    await putOnGateway(gw, 'wrong-password', drop.fileName, drop.zip);
    // The gateway now takes passwords. The test user has no usable password (root's is "*"
    // here), so any password is a wrong one: the server checks it and says no.
    proc.kill();
    await proc.restartWithConfig((c) =>
      c
        .replace(/^PasswordAuthentication no$/m, 'PasswordAuthentication yes')
        .replace(/^PermitRootLogin .*$/m, 'PermitRootLogin yes'),
    );
    const ride = rideOnGateway(gw, 'r1', 'wrong-password');
    const withPassword: RideConfig = {
      ...ride,
      connection: { ...ride.connection, privateKeyPath: undefined, password: 'not-the-password' },
    };
    const { buffer, dir } = await bufferIn('faults-wrong-password');

    await expect(pullRide(withPassword, deps(buffer))).rejects.toThrow(
      new RegExp(
        `cannot connect to the gateway ${gw.username}@127\\.0\\.0\\.1:${gw.port}: .*authentication methods failed: the gateway refused the user name or credential; check them in the ride settings`,
      ),
    );
    expect(buffer.list()).toEqual([]);
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
  });
});
