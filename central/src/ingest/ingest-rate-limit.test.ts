import { createHash } from 'node:crypto';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createPark } from '../parks/park-store.ts';
import type { AppRouter } from '../server/router.ts';
import {
  createParkClient,
  createTestEnvironment,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { buildTestDrop } from '../testing/test-drop.ts';

let env: TestEnvironment;
let central: RunningCentral;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  env = await createTestEnvironment('rate-limit');
  // Three calls at once, then one every 100 s: the fourth call of a test is always refused.
  central = await startCentral(
    { ...env.config, ingestRateLimit: { perSecond: 0.01, burst: 3 } },
    { publisher: false, scheduler: false, uploadSweeper: false },
  );
  for (const id of ['busy-park', 'calm-park']) {
    ({ token: tokens[id] as string } = await createPark(env.pool, {
      id,
      name: id,
      timezone: 'Europe/Rome',
    }));
  }
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

function beginInput(park: string) {
  const drop = buildTestDrop({ park });
  const sha256 = createHash('sha256').update(drop.zip).digest('hex');
  return { sha256, contentId: sha256, bytes: drop.zip.length, fileName: drop.fileName };
}

describe('ingest rate limit per park token', () => {
  it('refuses calls past the burst with TOO_MANY_REQUESTS and a retry-after the agent can wait for', async () => {
    const busy = createParkClient(central.url, tokens['busy-park'] ?? '');
    const input = beginInput('busy-park');
    for (let i = 0; i < 3; i++) await busy.ingest.begin.mutate(input);
    const err = await busy.ingest.begin.mutate(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    const data = (err as TRPCClientError<AppRouter>).data as
      | { code?: string; httpStatus?: number; retryAfterS?: number }
      | undefined;
    expect(data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 });
    expect(data?.retryAfterS).toBeGreaterThanOrEqual(90);
    expect((err as Error).message).toContain('retry after');

    // The raw answer carries the standard header too.
    const res = await fetch(`${central.url}/trpc/ingest.begin`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens['busy-park'] ?? ''}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(input),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(90);
  });

  it("does not slow another park's token, nor the busy park's heartbeat and reads", async () => {
    const calm = createParkClient(central.url, tokens['calm-park'] ?? '');
    const answer = await calm.ingest.begin.mutate(beginInput('calm-park'));
    expect(answer.status).toBe('upload');
    const busy = createParkClient(central.url, tokens['busy-park'] ?? '');
    await expect(busy.park.standing.query()).resolves.toHaveProperty('today');
  });

  it('counts refused tokens nowhere: an unknown token is UNAUTHORIZED, not rate limited', async () => {
    const stranger = createParkClient(central.url, 'zra_unknown');
    for (let i = 0; i < 5; i++) {
      const err = await stranger.ingest.begin
        .mutate(beginInput('busy-park'))
        .catch((e: unknown) => e);
      expect((err as TRPCClientError<AppRouter>).data?.code).toBe('UNAUTHORIZED');
    }
  });
});
