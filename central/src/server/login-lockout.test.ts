import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { DEFAULT_LOGIN_THROTTLE, type LoginThrottleSettings } from '../users/login-throttle.ts';
import { createUser } from '../users/user-store.ts';

// Issue 21, finding 2: the sign-in throttle keyed on the socket's address, which behind the
// ingress is the ingress's for everyone: ten wrong passwords a minute locked every user out,
// the right password included. Refills here are an hour, so a slow machine cannot refill a
// bucket in the middle of a test.

const HOUR = 1 / 3600;
const ALICE_PW = 'alice long password 1';

let env: TestEnvironment;
const started: RunningCentral[] = [];

beforeAll(async () => {
  env = await createTestEnvironment('login-lockout');
  await createUser(env.pool, { username: 'alice', password: ALICE_PW, role: 'admin' });
  await createUser(env.pool, {
    username: 'victor',
    password: 'victor password 12',
    role: 'viewer',
  });
});

afterAll(async () => {
  for (const central of started) await central.close();
  await env?.cleanup();
});

async function central(
  throttle: Partial<LoginThrottleSettings>,
  trustedProxies: string[] = ['127.0.0.1'],
): Promise<string> {
  const c = await startCentral(
    { ...env.config, trustedProxies },
    {
      publisher: false,
      scheduler: false,
      uploadSweeper: false,
      loginThrottle: { ...DEFAULT_LOGIN_THROTTLE, ...throttle },
    },
  );
  started.push(c);
  return c.url;
}

interface Attempt {
  status: number;
  /** The known-device cookie the answer set (`zra_device=…`), if any. */
  device: string | null;
}

/** A sign-in as a browser behind the ingress sends it: `from` is the client the ingress saw. */
async function login(
  url: string,
  username: string,
  password: string,
  from: string,
  cookie?: string | null,
): Promise<Attempt> {
  const res = await fetch(`${url}/trpc/auth.login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-zra-csrf': 'login',
      'x-forwarded-for': from,
      ...(cookie ? { cookie } : {}),
    },
    body: JSON.stringify({ username, password }),
  });
  await res.arrayBuffer();
  const device = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('zra_device='));
  return { status: res.status, device: device ?? null };
}

describe('sign-in limits behind a reverse proxy', () => {
  it("refuses the address that guesses, not the account's owner elsewhere", async () => {
    const url = await central({ perSourceAndName: { perSecond: HOUR, burst: 10 } });
    for (let i = 0; i < 10; i++) {
      expect((await login(url, 'alice', `guess ${i}`, '203.0.113.9')).status).toBe(401);
    }
    // The guesser is refused, even with the right password…
    expect((await login(url, 'alice', ALICE_PW, '203.0.113.9')).status).toBe(429);
    // …other names from there still get their own tries…
    expect((await login(url, 'victor', 'victor password 12', '203.0.113.9')).status).toBe(200);
    // …and Alice, from her own address behind the same ingress, signs in. Before, every
    // client had the ingress's address, and this was 429.
    expect((await login(url, 'alice', ALICE_PW, '198.51.100.7')).status).toBe(200);
  });

  it('believes X-Forwarded-For only from a trusted proxy: a direct client cannot rotate it', async () => {
    // No trusted proxy: the socket's address is the source, whatever the header claims.
    const url = await central({ perSource: { perSecond: HOUR, burst: 5 } }, []);
    for (let i = 0; i < 5; i++) {
      // New names and new claimed addresses each time: before, each got a fresh allowance.
      const attempt = await login(url, `nobody-${i}`, 'wrong password', `10.9.9.${i}`);
      expect(attempt.status).toBe(401);
    }
    expect((await login(url, 'nobody-x', 'wrong password', '10.9.9.200')).status).toBe(429);
  });

  it('gives new usernames from one address no new allowance', async () => {
    const url = await central({ perSource: { perSecond: HOUR, burst: 5 } });
    for (let i = 0; i < 5; i++) {
      expect((await login(url, `spray-${i}`, 'wrong password', '203.0.113.50')).status).toBe(401);
    }
    expect((await login(url, 'spray-9', 'wrong password', '203.0.113.50')).status).toBe(429);
    // Another address is its own source.
    expect((await login(url, 'spray-9', 'wrong password', '203.0.113.51')).status).toBe(401);
  });

  it("spends an account's allowance from many addresses, but not the owner's known browser", async () => {
    const url = await central({ perAccountFailures: { perSecond: HOUR, burst: 5 } });
    // Alice signed in from this browser before: it holds her known-device cookie.
    const earlier = await login(url, 'alice', ALICE_PW, '198.51.100.7');
    expect(earlier.status).toBe(200);
    expect(earlier.device).toMatch(/^zra_device=[A-Za-z0-9_-]{43}$/);
    // A stranger guesses from five addresses (one try each: no per-address limit is reached).
    for (let i = 0; i < 5; i++) {
      expect((await login(url, 'alice', `guess ${i}`, `192.0.2.${i + 1}`)).status).toBe(401);
    }
    // Guessing on from yet another address is refused before any password check, and so is a
    // browser central does not know, even with the right password: the account is held.
    expect((await login(url, 'alice', 'guess 6', '192.0.2.99')).status).toBe(429);
    expect((await login(url, 'alice', ALICE_PW, '198.51.100.8')).status).toBe(429);
    // Alice's own browser still gets in; a wrong password from it is still wrong.
    expect(
      (await login(url, 'alice', 'typo password', '198.51.100.7', earlier.device)).status,
    ).toBe(401);
    expect((await login(url, 'alice', ALICE_PW, '198.51.100.7', earlier.device)).status).toBe(200);
    // Another user's cookie does not open Alice's account.
    const victor = await login(url, 'victor', 'victor password 12', '198.51.100.9');
    expect((await login(url, 'alice', ALICE_PW, '198.51.100.9', victor.device)).status).toBe(429);
  });

  it('bounds sign-ins from unknown browsers in all, before any password is checked', async () => {
    const url = await central({ global: { perSecond: HOUR, burst: 3 } });
    const known = await login(url, 'victor', 'victor password 12', '198.51.100.20');
    expect(known.status).toBe(200);
    for (let i = 0; i < 2; i++) {
      expect((await login(url, `x-${i}`, 'wrong password', `192.0.2.${i + 1}`)).status).toBe(401);
    }
    expect((await login(url, 'x-9', 'wrong password', '192.0.2.50')).status).toBe(429);
    // A browser that signed in before is not counted against the global limit.
    const again = await login(url, 'victor', 'victor password 12', '198.51.100.20', known.device);
    expect(again.status).toBe(200);
  });
});
