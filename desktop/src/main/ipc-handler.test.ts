import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../core/agent.ts';
import { parseAgentConfig } from '../core/config.ts';
import { silentLogger } from '../core/logger.ts';
import { createStatusRouter } from '../core/status-router.ts';
import { tempDir } from '../core/testing/temp-dir.ts';
import { createIpcHandler } from './ipc-handler.ts';

const APP = 'file:///opt/zra/dist/renderer/index.html';
let agent: Agent;
let remove: () => Promise<void>;
let handle: ReturnType<typeof createIpcHandler>;
const fromApp = { senderFrame: { url: `${APP}#x` } };

beforeAll(async () => {
  const data = await tempDir('ipc');
  remove = data.remove;
  // A real agent on a real buffer; central stays out of reach.
  agent = await createAgent(
    parseAgentConfig({
      park: 'lago',
      dataDir: data.dir,
      central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
      minAgeSeconds: 0,
    }),
    { log: silentLogger() },
  );
  handle = createIpcHandler(createStatusRouter(agent), APP);
});
afterAll(async () => {
  await agent?.close();
  await remove?.();
});

describe('the IPC handler (the router over the one channel)', () => {
  it('runs queries and mutations of the router for the app page', async () => {
    const status = await handle(fromApp, { type: 'query', path: 'status', input: undefined });
    expect(status).toMatchObject({ ok: true, data: { park: 'lago', rides: [] } });
    const added = await handle(fromApp, {
      type: 'mutation',
      path: 'rides.add',
      input: {
        id: 'wild-mouse',
        connection: { type: 'http', url: 'http://127.0.0.1:9/drops' },
      },
    });
    expect(added).toMatchObject({ ok: true, data: { id: 'wild-mouse' } });
    expect(agent.rides().map((r) => r.id)).toEqual(['wild-mouse']);
  });

  it("answers the agent's own words for a bad input instead of throwing", async () => {
    const res = await handle(fromApp, {
      type: 'mutation',
      path: 'rides.acceptHostKey',
      input: { rideId: 'nope', fingerprint: `SHA256:${'a'.repeat(43)}` },
    });
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.code).toBe('BAD_REQUEST');
      expect(res.error.message).toContain('nope');
    }
  });

  it('refuses other frames, unknown procedures and malformed requests', async () => {
    const other = await handle(
      { senderFrame: { url: 'https://evil.example.com/' } },
      { type: 'query', path: 'status' },
    );
    expect(other).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await handle({ senderFrame: null }, { type: 'query', path: 'status' })).toMatchObject({
      ok: false,
    });
    expect(await handle(fromApp, { type: 'query', path: 'rides.nothing' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await handle(fromApp, { type: 'query', path: '__proto__.x' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(await handle(fromApp, 'status')).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
  });
});
