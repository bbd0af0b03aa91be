import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../agent.ts';
import { silentLogger } from '../logger.ts';
import { parseAgentConfig } from '../settings/config.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { createStatusRouter } from './status-router.ts';

const PARK_TOKEN = 'park-token-0123456789';
let agent: Agent;
let remove: () => Promise<void>;
let evil: http.Server;
let evilUrl: string;
/** The Authorization headers the attacker's server received. */
const stolen: string[] = [];

beforeAll(async () => {
  // The attacker's "central": records what the agent sends it.
  evil = http.createServer((req, res) => {
    stolen.push(req.headers.authorization ?? '');
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  const data = await tempDir('central-url');
  remove = data.remove;
  agent = await createAgent(
    parseAgentConfig({
      park: 'lago',
      dataDir: data.dir,
      central: { url: 'http://127.0.0.1:9', token: PARK_TOKEN },
    }),
    { log: silentLogger() },
  );
});
afterAll(async () => {
  await agent?.close();
  await remove?.();
  await new Promise((resolve) => evil?.close(resolve));
});

describe("settings.update: central's address changes only with the park token", () => {
  it('refuses a new address without the token, so the park token never reaches it', async () => {
    // Whoever holds the local access token (from a log, say) calls the API.
    const api = createStatusRouter(agent).createCaller({ authorized: true });
    await expect(api.settings.update({ centralUrl: evilUrl })).rejects.toThrow(
      /enter the park token again together with the new address/,
    );
    expect((await api.settings.get()).centralUrl).toBe('http://127.0.0.1:9');
    // The next calls to central still go to the old address: nothing reaches the new one.
    await api.globalView.refresh().catch(() => undefined);
    expect(stolen).toEqual([]);
  });

  it('allows the same address however written, and other settings, without the token', async () => {
    const api = createStatusRouter(agent).createCaller({ authorized: true });
    await api.settings.update({ centralUrl: 'http://127.0.0.1:9/', uploadBytesPerSecond: 4096 });
    expect(await api.settings.get()).toMatchObject({ uploadBytesPerSecond: 4096 });
  });

  it('moves to the new address when the park token is entered with it', async () => {
    const api = createStatusRouter(agent).createCaller({ authorized: true });
    const entered = 'park-token-entered-again-42';
    await api.settings.update({ centralUrl: evilUrl, parkToken: entered });
    expect((await api.settings.get()).centralUrl).toBe(evilUrl);
    await api.globalView.refresh().catch(() => undefined);
    // Only the token the person typed with the address went there.
    expect(stolen.length).toBeGreaterThan(0);
    expect(new Set(stolen)).toEqual(new Set([`Bearer ${entered}`]));
  });
});
