/**
 * The status says what is true at once (issue 16): a failed connection test marks its ride and
 * the header without waiting for a pull, a fixed central address is tried at once and the link
 * never says it has no next try while it keeps trying, and settings a person cannot mean are
 * refused beside their field. Real OpenSSH (password login) and a real central.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { worstState } from '../../common/worst-state.ts';
import { createAgent, type Agent } from '../agent.ts';
import { silentLogger } from '../logger.ts';
import { parseAgentConfig, type RideConfig } from '../settings/config.ts';
import { startTestCentral, type TestCentral } from '../testing/test-central.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';
import { waitFor } from '../../../../scripts/harness/wait-for.ts';
import { createStatusRouter } from './status-router.ts';

let gw: SftpGateway;
let central: TestCentral;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  [gw, central] = await Promise.all([
    startSftpGateway({ passwordAuth: true }),
    startTestCentral('agent_status_truth', 'gardaland'),
  ]);
});
afterAll(async () => {
  await Promise.all([gw?.stop(), central?.close()]);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function passwordRide(password: string): RideConfig {
  const login = gw.password;
  if (!login) throw new Error('the gateway harness gave no password login');
  return {
    id: 'wild-mouse',
    remoteDir: '.',
    afterBuffer: 'keep',
    schedule: ['0 3 * * *'],
    connection: {
      type: 'sftp',
      host: gw.host,
      port: gw.port,
      username: login.username,
      password,
      hostKeySha256: gw.hostKeySha256,
    },
  };
}

async function open(
  options: { rides?: RideConfig[]; centralUrl?: string; token?: string } = {},
): Promise<{
  agent: Agent;
  api: ReturnType<ReturnType<typeof createStatusRouter>['createCaller']>;
}> {
  const data = await tempDir('status-truth');
  const agent = await createAgent(
    parseAgentConfig({
      park: 'gardaland',
      dataDir: data.dir,
      central: {
        url: options.centralUrl ?? 'http://127.0.0.1:9',
        token: options.token ?? 'park-token-0123456789',
        timeoutSeconds: 5,
      },
      rides: options.rides ?? [],
      minAgeSeconds: 0,
      upload: { intervalSeconds: 3600, retryBaseSeconds: 600, retryMaxSeconds: 900 },
    }),
    { log: silentLogger() },
  );
  cleanups.push(data.remove, () => agent.close());
  return { agent, api: createStatusRouter(agent).createCaller({ authorized: true }) };
}

describe('the status tells the truth at once', () => {
  it('marks a ride whose connection test failed, on its status and in the header, before any pull', async () => {
    const login = gw.password;
    if (!login) throw new Error('no password login');
    const { agent, api } = await open({ rides: [passwordRide('not-the-password')] });
    expect(worstState(agent.status()).tone).toBe('ok');

    const test = await api.rides.testConnection({ rideId: 'wild-mouse' });
    expect(test).toMatchObject({ reachable: true, loggedIn: false });

    const [ride] = agent.status().rides;
    expect(ride).toMatchObject({ lastPullAt: null, lastErrorFrom: 'connection test' });
    expect(ride?.lastError).toMatch(/^connection test failed: /);
    expect(worstState(agent.status())).toMatchObject({
      tone: 'failing',
      reasons: ['wild-mouse: connection test failed'],
    });

    // A form's draft with other settings says nothing about the ride as configured.
    await api.rides.testConnection({
      draft: { ...passwordRide(login.password), id: 'wild-mouse', remoteDir: 'elsewhere' },
    });
    expect(agent.status().rides[0]?.lastErrorFrom).toBe('connection test');

    // Fixed and tested again: the card is clear at once.
    agent.editRide({ ...passwordRide(login.password) });
    const fixed = await api.rides.testConnection({ rideId: 'wild-mouse' });
    expect(fixed).toMatchObject({ loggedIn: true, error: null });
    expect(agent.status().rides[0]).toMatchObject({ lastError: null, lastErrorFrom: null });
    expect(worstState(agent.status()).tone).toBe('ok');
  });

  it('tries a corrected central address at once, and always says when it tries next while offline', async () => {
    const { agent, api } = await open();
    agent.start();
    // Nothing to upload: only heartbeats find central away; the next try is the next one.
    await waitFor('the link offline', () =>
      Promise.resolve(agent.status().central.state === 'offline' ? true : null),
    );
    const offline = agent.status().central;
    expect(offline.nextAttemptAt).not.toBeNull();
    expect(Date.parse(offline.nextAttemptAt ?? '')).toBeGreaterThan(Date.now());

    // The "Test central" button: the right address with a wrong token, then the right token.
    expect(
      await api.settings.testCentral({
        centralUrl: central.url,
        parkToken: 'park-token-wrong-0123',
      }),
    ).toMatchObject({ ok: false, field: 'parkToken' });
    expect(
      await api.settings.testCentral({
        centralUrl: 'http://127.0.0.1:9',
        parkToken: central.token,
      }),
    ).toMatchObject({ ok: false, field: 'centralUrl' });
    expect(
      await api.settings.testCentral({ centralUrl: central.url, parkToken: central.token }),
    ).toEqual({ ok: true, error: null, field: null });
    // Testing saved nothing.
    expect((await api.settings.get()).centralUrl).toBe('http://127.0.0.1:9');

    // Saved: online well before the next heartbeat (a minute) or upload round (an hour).
    await api.settings.update({ centralUrl: central.url, parkToken: central.token });
    const online = await waitFor(
      'the link online after the address was fixed',
      () =>
        Promise.resolve(agent.status().central.state === 'online' ? agent.status().central : null),
      { timeoutMs: 15_000 },
    );
    expect(online.lastError).toBeNull();
  });

  it('refuses a park token of the wrong shape and a 3,000-character host, each beside its field', async () => {
    const { api } = await open();
    const issues = async (call: Promise<unknown>) => {
      const message = await call.then(
        () => 'accepted',
        (err: Error) => err.message,
      );
      return JSON.parse(message) as { path: string[]; message: string }[];
    };
    for (const token of [
      'Bearer zra_abc def ghi jkl mno',
      'zra_tooShort0123456789',
      'x'.repeat(600),
    ]) {
      const [problem, ...more] = await issues(api.settings.update({ parkToken: token }));
      expect(more).toEqual([]);
      expect(problem?.path).toEqual(['parkToken']);
      expect(problem?.message).toMatch(/copy it again/);
    }
    // An address change without the token: refused beside the token field.
    expect(await issues(api.settings.update({ centralUrl: 'https://other.example.com' }))).toEqual([
      { path: ['parkToken'], message: expect.stringContaining('enter the park token again') },
    ]);

    const host = await issues(
      api.rides.add({
        id: 'long-host',
        connection: {
          type: 'sftp',
          host: 'h'.repeat(3000),
          port: 22,
          username: 'plc',
          password: 'secret',
        },
      }),
    );
    expect(host).toEqual([
      expect.objectContaining({
        path: ['connection', 'host'],
        message: expect.stringContaining('at most 253 characters'),
      }),
    ]);
  });
});
