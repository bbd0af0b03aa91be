import { TRPCClientError } from '@trpc/client';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createDashboardClient } from '../testing/dashboard-client.ts';
import { captureLog, type CapturedLog } from '../testing/log-capture.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { createUser } from '../users/user-store.ts';
import type { AppRouter } from './router.ts';
import { appRouter } from './router.ts';

// Issue 21, finding 5 (the low ones), each against the real server.

let env: TestEnvironment;
let central: RunningCentral;
let logs: CapturedLog;
let token: string;

beforeAll(async () => {
  env = await createTestEnvironment('hardening');
  logs = captureLog('info');
  central = await startCentral(
    { ...env.config, allowedHosts: ['central.example.com'] },
    { publisher: false, scheduler: false, uploadSweeper: false, log: logs.log },
  );
  token = await createTestPark(env.pool);
  await createUser(env.pool, {
    username: 'alice',
    password: 'correct horse battery staple',
    role: 'admin',
  });
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

/** A request with the headers we choose (fetch will not send another Host). */
function raw(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCClientError);
  const e = err as TRPCClientError<AppRouter>;
  return { code: e.data?.code, message: e.message };
}

describe('bad input and headers', () => {
  it('refuses text with a NUL character as bad input, before sign-in, with no error logged', async () => {
    const res = await fetch(`${central.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zra-csrf': 'login' },
      body: JSON.stringify({ username: 'ali\u0000ce', password: 'whatever it is' }),
    });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain('NUL character');
    expect(body).not.toMatch(/byte sequence|UTF8|0x00/);
    // The same for a park's call.
    const park = createParkClient(central.url, token);
    const begin = await failure(
      park.ingest.begin.mutate({
        sha256: 'a'.repeat(64),
        contentId: 'b'.repeat(64),
        bytes: 10,
        fileName: 'x\u0000.zip',
      }),
    );
    expect(begin.code).toBe('BAD_REQUEST');
    expect(logs.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });

  it('marks API and JSON answers nosniff and no-store', async () => {
    for (const path of ['/trpc/auth.me', '/healthz', '/readyz', '/files/reports/x/pdf']) {
      const res = await fetch(`${central.url}${path}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    const metrics = await fetch(`${central.metricsUrl}/metrics`);
    expect(metrics.headers.get('x-content-type-options')).toBe('nosniff');
    expect(metrics.headers.get('cache-control')).toBe('no-store');
  });
});

describe('X-Forwarded-For', () => {
  it('is not believed from a sender TRUSTED_PROXIES does not list, and the operator is told once', async () => {
    for (let i = 0; i < 3; i++) {
      await fetch(`${central.url}/trpc/auth.login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-zra-csrf': 'login',
          'x-forwarded-for': `198.51.100.${i}`,
        },
        body: JSON.stringify({ username: 'alice', password: 'not her password' }),
      });
    }
    const refused = logs.lines.filter((l) => l.msg === 'login refused');
    expect(refused.map((l) => l.source)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    const warnings = logs.lines.filter((l) => String(l.msg).includes('TRUSTED_PROXIES'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ sender: '127.0.0.1' });
  });
});

describe('Host allowlist (DNS rebinding)', () => {
  it('refuses a host name central does not know, on the API, the dashboard, the files and /metrics', async () => {
    for (const [base, path] of [
      [central.url, '/trpc/auth.me'],
      [central.url, '/'],
      [central.url, '/files/reports/x/pdf'],
      [central.metricsUrl, '/metrics'],
    ] as const) {
      const res = await raw(base, path, { host: 'rebind.attacker.example:8080' });
      expect(res.status, path).toBe(421);
      expect(res.body).toContain('ALLOWED_HOSTS');
    }
  });

  it('serves its own names, IP addresses and localhost, and the probes whatever the host', async () => {
    const port = new URL(central.url).port;
    for (const host of [
      `central.example.com`,
      `CENTRAL.example.com:443`,
      `127.0.0.1:${port}`,
      'localhost',
      '[::1]:80',
    ]) {
      expect((await raw(central.url, '/trpc/auth.me', { host })).status, host).toBe(401);
    }
    expect((await raw(central.url, '/healthz', { host: 'anything.example' })).status).toBe(200);
  });
});

describe('/metrics', () => {
  it('is not on the public listener, only on its own port', async () => {
    const pub = await fetch(`${central.url}/metrics`);
    expect(pub.status).toBe(404);
    const text = await pub.text();
    expect(text).toContain('METRICS_PORT');
    expect(text).not.toContain('zra_');
    const own = await fetch(`${central.metricsUrl}/metrics`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('zra_http_request_duration_seconds');
  });

  it('labels a batch of several procedures as one route, however a stranger combines them', async () => {
    const queries = Object.entries(appRouter._def.procedures)
      .filter(([, p]) => (p as unknown as { _def: { type: string } })._def.type === 'query')
      .map(([name]) => name);
    for (let i = 0; i < 30; i++) {
      const a = queries[i % queries.length];
      const b = queries[(i * 7 + 3) % queries.length];
      await fetch(`${central.url}/trpc/${a},${b},${a}?batch=1&input={}`);
    }
    const text = await (await fetch(`${central.metricsUrl}/metrics`)).text();
    const routes = new Set(
      [...text.matchAll(/^zra_http_request_duration_seconds_count\{[^}]*route="([^"]*)"/gm)].map(
        (m) => m[1],
      ),
    );
    expect(routes).toContain('trpc:batch');
    // Before: one series per combination ("dashboard.fleet,dashboard.parks", …).
    expect([...routes].filter((r) => r?.includes(','))).toEqual([]);
  });
});

describe('password policy', () => {
  it('refuses common passwords and ones that are mostly the username, from the dashboard', async () => {
    const admin = createDashboardClient(central.url);
    await admin.login('alice', 'correct horse battery staple');
    const common = await failure(
      admin.client.admin.createUser.mutate({
        username: 'gina',
        password: 'Password1234',
        role: 'viewer',
      }),
    );
    expect(common.code).toBe('BAD_REQUEST');
    expect(common.message).toContain('common one');
    const name = await failure(
      admin.client.admin.createUser.mutate({
        username: 'gina',
        password: 'gina-2026-gina',
        role: 'viewer',
      }),
    );
    expect(name.code).toBe('BAD_REQUEST');
    expect(name.message).toContain('mostly the username');
    const own = await failure(
      admin.client.auth.changePassword.mutate({
        currentPassword: 'correct horse battery staple',
        newPassword: 'alice@2026!!',
      }),
    );
    expect(own.code).toBe('BAD_REQUEST');
    const run = await failure(
      admin.client.auth.changePassword.mutate({
        currentPassword: 'correct horse battery staple',
        newPassword: '1234567890qw',
      }),
    );
    expect(run.code).toBe('BAD_REQUEST');
    expect((await env.pool.query("SELECT 1 FROM users WHERE username = 'gina'")).rowCount).toBe(0);
  });
});
