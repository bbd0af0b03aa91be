import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../agent.ts';
import { parseAgentConfig } from '../settings/config.ts';
import { silentLogger } from '../logger.ts';
import { type HttpGatewayOptions, startHttpGateway } from '@zra/gateway/testing';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';

const log = silentLogger();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const AUTH = { username: 'plc', password: 'gateway-secret-42' };

/** A gateway folder served over HTTP, an agent with one HTTP ride on it. */
async function setup(
  ride: {
    username?: string;
    password?: string;
    afterBuffer?: 'keep' | 'delete';
    timeoutSeconds?: number;
    caCertificate?: string;
  } = {},
  server: HttpGatewayOptions = { auth: AUTH },
) {
  const gwDir = await tempDir('http-gw');
  const data = await tempDir('http-agent');
  cleanups.push(gwDir.remove, data.remove);
  const gateway = await startHttpGateway(gwDir.dir, server);
  cleanups.push(() => gateway.close());
  const config = parseAgentConfig({
    park: 'gardaland',
    dataDir: data.dir,
    central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
    rides: [
      {
        id: 'r1',
        remoteDir: 'drops/r1',
        afterBuffer: ride.afterBuffer ?? 'keep',
        connection: {
          type: 'http',
          url: `${gateway.url}/plc`,
          username: ride.username ?? AUTH.username,
          password: ride.password ?? AUTH.password,
          timeoutSeconds: ride.timeoutSeconds ?? 60,
          ...(ride.caCertificate ? { caCertificate: ride.caCertificate } : {}),
        },
      },
    ],
    minAgeSeconds: 0,
  });
  const agent = await createAgent(config, { log });
  cleanups.push(() => agent.close());
  const folder = path.join(gwDir.dir, 'plc', 'drops', 'r1');
  await mkdir(folder, { recursive: true });
  const put = async (name: string, bytes: Buffer): Promise<string> => {
    const file = path.join(folder, name);
    await writeFile(file, bytes);
    const t = (Date.now() - 60_000) / 1000;
    await utimes(file, t, t);
    return file;
  };
  return { agent, gateway, put, folder };
}

describe('HTTP(S) gateway (JSON listing as nginx autoindex writes it), against a real HTTP server', () => {
  it('pulls the zips of the listing, skips folders and other files, and deletes what it buffered', async () => {
    const { agent, gateway, put, folder } = await setup({ afterBuffer: 'delete' });
    const good = buildTestDrop({ sequence: 1 });
    const bad = buildTestDrop({ sequence: 2 });
    const goodFile = await put(good.fileName, good.zip);
    const badFile = await put(bad.fileName, bad.zip.subarray(0, 40));
    await put('notes.txt', Buffer.from('not a drop'));
    await mkdir(path.join(folder, 'archive.zip'));

    const [pulled] = await agent.pullNow('r1');

    expect(pulled?.error).toBeNull();
    expect(pulled?.result).toMatchObject({ listed: 3, buffered: 1, quarantined: 1, cleanedUp: 1 });
    expect(agent.status().drops).toMatchObject({ buffered: 1, quarantined: 1 });
    expect(agent.status().quarantined.map((d) => d.fileName)).toEqual([bad.fileName]);
    // Buffered: deleted on the gateway; quarantined: left there for a person.
    expect(existsSync(goodFile)).toBe(false);
    expect(existsSync(badFile)).toBe(true);
    expect(gateway.requests).toContain(`DELETE /plc/drops/r1/${good.fileName}`);

    const [again] = await agent.pullNow('r1');
    expect(again?.result).toMatchObject({ buffered: 0, known: 1 });
  });

  it('says the gateway refused the credentials, and the connection test tells reachable from logged in', async () => {
    const { agent, put } = await setup({ password: 'wrong' });
    const drop = buildTestDrop();
    await put(drop.fileName, drop.zip);

    const [pulled] = await agent.pullNow('r1');
    expect(pulled?.error).toMatch(
      /the HTTP gateway answered 401 .*: check the user name and password in the ride settings/,
    );
    expect(await agent.testConnection({ rideId: 'r1' })).toMatchObject({
      reachable: true,
      loggedIn: false,
      hostKey: { state: 'not_applicable' },
      folderExists: null,
    });
  });

  it('counts the zips on the gateway in the connection test, and reports a gateway that is down', async () => {
    const { agent, put, gateway } = await setup();
    const drop = buildTestDrop();
    await put(drop.fileName, drop.zip);
    await put('other.txt', Buffer.from('x'));

    expect(await agent.testConnection({ rideId: 'r1' })).toEqual({
      reachable: true,
      loggedIn: true,
      hostKey: { state: 'not_applicable', pinned: null, presented: null },
      folderExists: true,
      zipFiles: 1,
      error: null,
    });
    await gateway.close();
    const down = await agent.testConnection({ rideId: 'r1' });
    expect(down).toMatchObject({ reachable: false, loggedIn: false });
    expect(down.error).toMatch(/cannot reach the HTTP gateway .*ECONNREFUSED/);
  });

  it('refuses a listing that does not follow the contract, naming the contract', async () => {
    const { agent } = await setup({}, { auth: AUTH, listingOverride: { files: 'nope' } });
    const [pulled] = await agent.pullNow('r1');
    expect(pulled?.error).toMatch(
      /listing at .* is not a JSON list of \{name, size, mtime\} \(see docs\/agent.md/,
    );
  });

  it('fails a download that stops mid-file after the timeout, and the next pull completes it', async () => {
    const server: HttpGatewayOptions = { auth: AUTH, stallAfterBytes: 100 };
    const { agent, put } = await setup({ timeoutSeconds: 1 }, server);
    const drop = buildTestDrop();
    await put(drop.fileName, drop.zip);

    const [stalled] = await agent.pullNow('r1');
    expect(stalled?.result?.failed).toEqual([
      { name: drop.fileName, error: expect.stringMatching(/stopped sending .* for 1 s/) as string },
    ]);
    expect(agent.status().drops.buffered).toBe(0);

    server.stallAfterBytes = null;
    const [again] = await agent.pullNow('r1');
    expect(again?.result?.buffered).toBe(1);
  });

  it('verifies an HTTPS gateway certificate: refused by default, trusted when given as caCertificate', async () => {
    const certDir = await tempDir('http-tls');
    cleanups.push(certDir.remove);
    const [key, cert] = ['key.pem', 'cert.pem'].map((f) => path.join(certDir.dir, f));
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key ?? '',
      '-out',
      cert ?? '',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    const tls = {
      key: await readFile(key ?? '', 'utf8'),
      cert: await readFile(cert ?? '', 'utf8'),
    };
    const drop = buildTestDrop();

    const untrusted = await setup({}, { auth: AUTH, tls });
    await untrusted.put(drop.fileName, drop.zip);
    const [refused] = await untrusted.agent.pullNow('r1');
    expect(refused?.error).toMatch(
      /cannot reach the HTTP gateway https:.*self.signed certificate/i,
    );

    const trusted = await setup({ caCertificate: tls.cert }, { auth: AUTH, tls });
    await trusted.put(drop.fileName, drop.zip);
    const [pulled] = await trusted.agent.pullNow('r1');
    expect(pulled?.error).toBeNull();
    expect(pulled?.result?.buffered).toBe(1);
  });
});
