import { initTRPC } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentRouter } from '../common/agent-router.ts';
import { createAgent, type Agent } from '../core/agent.ts';
import { parseAgentConfig } from '../core/settings/config.ts';
import { silentLogger } from '../core/logger.ts';
import { createStatusRouter, type StatusContext } from '../core/status/status-router.ts';
import { tempDir } from '../core/testing/temp-dir.ts';
import { createIpcHandler } from './ipc-handler.ts';
import { IPC_PROCEDURES, IPC_REFUSED } from './ipc-allowlist.ts';

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

/** Every procedure of the router with its kind, as tRPC records them. */
function routerProcedures(router: AgentRouter): Record<string, string> {
  const { procedures } = router._def as unknown as {
    procedures: Record<string, { _def: { type: string } }>;
  };
  return Object.fromEntries(Object.entries(procedures).map(([p, v]) => [p, v._def.type]));
}

describe('the IPC allowlist', () => {
  it("decides for every procedure of the agent's router, with the router's own kind", () => {
    const procedures = routerProcedures(createStatusRouter(agent));
    for (const [path, kind] of Object.entries(IPC_PROCEDURES)) {
      expect(procedures[path], `${path} is allowed but the router has no such procedure`).toBe(
        kind,
      );
    }
    // A new procedure fails here until someone adds it to IPC_PROCEDURES or IPC_REFUSED.
    const undecided = Object.keys(procedures).filter(
      (p) => !Object.hasOwn(IPC_PROCEDURES, p) && !Object.hasOwn(IPC_REFUSED, p),
    );
    expect(undecided).toEqual([]);
  });

  it('does not forward a procedure the router has but the allowlist does not name', async () => {
    // The agent's router plus one procedure nobody listed (a debugging hook, say).
    const t = initTRPC.context<StatusContext>().create();
    let ran = false;
    const extended = t.mergeRouters(
      createStatusRouter(agent),
      t.router({
        debug: t.router({
          run: t.procedure.mutation(() => {
            ran = true;
            return 'ran';
          }),
        }),
      }),
    ) as unknown as AgentRouter;
    expect(routerProcedures(extended)['debug.run']).toBe('mutation');
    const h = createIpcHandler(extended, APP);
    const res = await h(fromApp, { type: 'mutation', path: 'debug.run', input: undefined });
    expect(res).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(ran).toBe(false);
    // The listed procedures still go through the same handler.
    expect(await h(fromApp, { type: 'query', path: 'status' })).toMatchObject({ ok: true });
  });

  it('refuses a procedure called as the other kind', async () => {
    const added = await handle(fromApp, {
      type: 'mutation',
      path: 'rides.add',
      input: { id: 'go-kart', connection: { type: 'http', url: 'http://127.0.0.1:9/drops' } },
    });
    expect(added).toMatchObject({ ok: true });
    const res = await handle(fromApp, {
      type: 'query',
      path: 'rides.remove',
      input: { rideId: 'go-kart' },
    });
    expect(res).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(agent.rides().map((r) => r.id)).toContain('go-kart');
  });
});
