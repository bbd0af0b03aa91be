import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliProcess, type CliProcess } from '../testing/cli-process.ts';
import { watchLogs } from '../testing/process-logs.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { createUser } from '../users/user-store.ts';

// Issue 21, finding 1: sign-ins run scrypt (32 MiB, ~50 ms) on libuv's four threads, which
// file I/O shares. One request carrying 300 sign-ins took 17 s and a GET / sent meanwhile
// 16.7 s. Central runs here as its own process (`serve`), as in production, so the flood and
// the measurements share nothing but the network with it.

let env: TestEnvironment;
let dashboardDir: string;
let token: string;
const BIG_FILE_BYTES = 1024 * 1024;

beforeAll(async () => {
  env = await createTestEnvironment('login-flood');
  dashboardDir = await mkdtemp(join(tmpdir(), 'zra-flood-dashboard-'));
  await mkdir(join(dashboardDir, 'assets'));
  await writeFile(join(dashboardDir, 'index.html'), '<!doctype html><title>ZRA</title>');
  // Read in 64 KiB pieces, each one a job on libuv's thread pool: what scrypt starved.
  await writeFile(join(dashboardDir, 'assets', 'big.js'), Buffer.alloc(BIG_FILE_BYTES, 'x'));
  token = await createTestPark(env.pool);
  await createUser(env.pool, {
    username: 'alice',
    password: 'alice long password 1',
    role: 'admin',
  });
});

/** Every `serve` started, stopped at the end even when a test failed or timed out. */
const running = new Set<CliProcess>();

afterAll(async () => {
  for (const proc of running) proc.child.kill('SIGKILL');
  await Promise.all([...running].map((proc) => proc.exited));
  await env?.cleanup();
  if (dashboardDir) await rm(dashboardDir, { recursive: true, force: true });
});

/** `serve` as its own process behind a "proxy" at 127.0.0.1; resolves with its URL. */
async function startServe(extraEnv: Record<string, string> = {}): Promise<{
  url: string;
  proc: CliProcess;
  stop(): Promise<void>;
}> {
  const proc = startCliProcess(env.config, ['serve'], {
    env: {
      PORT: '0',
      METRICS_PORT: '0',
      HOST: '127.0.0.1',
      DASHBOARD_DIR: dashboardDir,
      // Every request comes from the test; X-Forwarded-For names the sources of the flood.
      TRUSTED_PROXIES: '127.0.0.1',
      SESSION_COOKIE_SECURE: 'false',
      INGEST_RATE_PER_S: '1000',
      INGEST_BURST: '10000',
      VERIFY_THREADS: '1',
      SHUTDOWN_GRACE_S: '2',
      LOG_LEVEL: 'info',
      ...extraEnv,
    },
  });
  running.add(proc);
  const logs = watchLogs(proc.child);
  const listening = await logs.waitFor((l) => l.msg === 'central API listening');
  return {
    url: String(listening.url),
    proc,
    async stop() {
      proc.child.kill('SIGTERM');
      // A server still busy with a flood (before the fix) may not wind down in time.
      const kill = setTimeout(() => proc.child.kill('SIGKILL'), 5000);
      await proc.exited;
      clearTimeout(kill);
      running.delete(proc);
    },
  };
}

/** Any one measured step gives up after this long (before the fix a file read took minutes). */
const STEP_DEADLINE_MS = 10_000;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`not done within ${STEP_DEADLINE_MS / 1000} s`)),
      STEP_DEADLINE_MS,
    );
  });
  try {
    const value = await Promise.race([work(), deadline]);
    return { ms: performance.now() - started, value };
  } finally {
    clearTimeout(timer);
  }
}

/** GET a 1 MiB dashboard file and read it to the end. */
async function readBigFile(url: string): Promise<void> {
  const res = await fetch(`${url}/assets/big.js`);
  expect(res.status).toBe(200);
  expect((await res.arrayBuffer()).byteLength).toBe(BIG_FILE_BYTES);
}

let nextHour = 0;
/** One small drop uploaded the agent's way: begin, chunks (file writes), commit (blob write). */
async function ingestOne(url: string): Promise<void> {
  const hour = nextHour++;
  const start = new Date(Date.UTC(2026, 5, 1, 0) + hour * 3_600_000).toISOString();
  const drop = buildTestDrop({ start: start.replace('.000Z', 'Z'), salt: hour });
  const result = await uploadDrop(createParkClient(url, token), drop.zip, drop.fileName, 16 * 1024);
  expect(result.status).toBe('stored');
}

function loginBody(username: string): string {
  return JSON.stringify({ username, password: 'not the password 123' });
}

/** One sign-in from its own address (through the trusted "proxy"); resolves with the status. */
async function loginFrom(url: string, i: number): Promise<number> {
  const res = await fetch(`${url}/trpc/auth.login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-zra-csrf': 'login',
      'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    },
    body: loginBody(`user-${i}`),
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Sign-ins from ever new addresses and names, 24 at a time (more than the hashing queue
 * holds, and six times libuv's four threads), each sender pausing 200 ms after each answer,
 * until `stop` is set; at most 2000 in all. Light as HTTP traffic goes, so what it measures is
 * scrypt's hold on the thread pool, not the parsing of requests on a busy machine.
 */
function flood(url: string): { stop(): Promise<Map<number, number>> } {
  let stopped = false;
  let sent = 0;
  const statuses = new Map<number, number>();
  const sender = async () => {
    while (!stopped && sent < 2000) {
      // 0: no answer (the server went away when a failed test stopped it).
      const status = await loginFrom(url, sent++).catch(() => 0);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const senders = Promise.all(Array.from({ length: 24 }, sender));
  return {
    async stop() {
      stopped = true;
      await senders;
      return statuses;
    },
  };
}

/**
 * The larger of 10× the baseline and 1 s, never above 2 s. Before the fix a file read during
 * such a flood took seconds to minutes; the floor keeps a machine shared with other work
 * (tens of ms of scheduling noise on a 20 ms baseline) from failing the test.
 */
function bound(baselineMs: number): number {
  return Math.min(2000, Math.max(10 * baselineMs, 1000));
}

/** Median of three runs: one slow run of a busy machine does not decide. */
async function median(work: () => Promise<void>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) runs.push((await timed(work)).ms);
  return runs.sort((a, b) => a - b)[1] as number;
}

describe('a sign-in flood', () => {
  it('is refused as one request of 300 sign-ins at once, and a file read meanwhile stays fast', async () => {
    const serve = await startServe();
    try {
      const fileBaseline = await median(() => readBigFile(serve.url));
      const names = Array.from({ length: 300 }, (_, i) => `user-${i}`);
      const body: Record<string, unknown> = {};
      names.forEach((username, i) => {
        body[i] = { username, password: 'not the password 123' };
      });
      const batch = timed(async () => {
        const res = await fetch(
          `${serve.url}/trpc/${names.map(() => 'auth.login').join(',')}?batch=1`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-zra-csrf': 'login' },
            body: JSON.stringify(body),
          },
        );
        return { status: res.status, text: await res.text() };
      });
      const during = await timed(() => readBigFile(serve.url));
      const refused = await batch;
      expect(refused.value.status).toBe(400);
      expect(refused.value.text).toContain('Batch call exceeds maximum size');
      expect(refused.value.text).toContain('at most 20 calls');
      expect(refused.ms).toBeLessThan(2000);
      expect(during.ms).toBeLessThan(bound(fileBaseline));

      // Two sign-ins in one request are refused too: a password check comes alone.
      const two = await fetch(`${serve.url}/trpc/auth.login,auth.login?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-zra-csrf': 'login' },
        body: JSON.stringify({
          0: JSON.parse(loginBody('alice')),
          1: JSON.parse(loginBody('bob')),
        }),
      });
      const answers = (await two.json()) as { error?: { message: string } }[];
      expect(answers).toHaveLength(2);
      for (const a of answers) expect(a.error?.message).toContain('cannot be batched');
      // No auth.* call rides in a batch, not even a cheap one beside another procedure.
      const signIn = await fetch(`${serve.url}/trpc/auth.login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-zra-csrf': 'login' },
        body: JSON.stringify({ username: 'alice', password: 'alice long password 1' }),
      });
      expect(signIn.status).toBe(200);
      const cookie = signIn.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const me = await fetch(`${serve.url}/trpc/auth.me,dashboard.fleet?batch=1&input={}`, {
        headers: { cookie },
      });
      const both = (await me.json()) as { error?: { message: string } }[];
      expect(both[0]?.error?.message).toContain('auth.me cannot be batched');
      expect(both[1]?.error).toBeUndefined();
    } finally {
      await serve.stop();
    }
  }, 60_000);

  it('from many addresses leaves file reads and ingest at their pace (default limits)', async () => {
    const serve = await startServe();
    try {
      const m = await measureDuringFlood(serve.url);
      expect(m.file, `file read, quiet: ${m.fileBaseline} ms`).toBeLessThan(bound(m.fileBaseline));
      expect(m.ingest, `upload, quiet: ${m.ingestBaseline} ms`).toBeLessThan(
        bound(m.ingestBaseline),
      );
      // Past the global limit's burst, attempts were refused before any hashing.
      expect(m.statuses.get(429) ?? 0).toBeGreaterThan(0);
      expect([...m.statuses.keys()].every((s) => s === 401 || s === 429)).toBe(true);
    } finally {
      await serve.stop();
    }
  }, 90_000);

  it('that every limit lets through still cannot take the thread pool from file I/O', async () => {
    // The global limit raised far past what scrypt can do: only the hashing queue stands
    // between the flood and libuv's threads.
    const serve = await startServe({ LOGIN_GLOBAL_PER_S: '10000' });
    try {
      const m = await measureDuringFlood(serve.url);
      expect(m.file, `file read, quiet: ${m.fileBaseline} ms`).toBeLessThan(bound(m.fileBaseline));
      expect(m.ingest, `upload, quiet: ${m.ingestBaseline} ms`).toBeLessThan(
        bound(m.ingestBaseline),
      );
      // The queue was full: the surplus was refused at once ("checking too many passwords").
      expect(m.statuses.get(429) ?? 0).toBeGreaterThan(0);
      expect(m.statuses.get(401) ?? 0).toBeGreaterThan(0);
    } finally {
      await serve.stop();
    }
  }, 90_000);
});

/** Medians of a file read and an upload, quiet and then during a flood; the flood's answers. */
async function measureDuringFlood(url: string) {
  await ingestOne(url);
  const fileBaseline = await median(() => readBigFile(url));
  const ingestBaseline = await median(() => ingestOne(url));
  const attack = flood(url);
  try {
    // Let the flood reach full strength first (the global limit's burst spent).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const file = await median(() => readBigFile(url));
    const ingest = await median(() => ingestOne(url));
    return { fileBaseline, ingestBaseline, file, ingest, statuses: await attack.stop() };
  } finally {
    await attack.stop();
  }
}
