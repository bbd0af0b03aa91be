import { describe, expect, it } from 'vitest';
import {
  CentralLink,
  type CentralLinkChange,
  type CentralLinkOptions,
  type RememberedLink,
} from './central-link.ts';

function link(start = Date.parse('2026-06-01T10:00:00Z'), more: Partial<CentralLinkOptions> = {}) {
  const clock = { t: start };
  const l = new CentralLink({
    retryBaseMs: 5_000,
    retryMaxMs: 900_000,
    random: () => 0.5,
    now: () => clock.t,
    ...more,
  });
  return { l, clock };
}

describe('central link', () => {
  it('keeps offlineSince at the first failure of a streak while the retry moves out', () => {
    const { l, clock } = link();
    expect(l.status().state).toBe('unknown');
    l.recordFailure('central is unreachable (ECONNREFUSED)');
    clock.t += 10_000;
    const delay = l.recordFailure('central is unreachable (ECONNRESET)');

    expect(delay).toBe(5_000);
    expect(l.status()).toMatchObject({
      state: 'offline',
      offlineSince: '2026-06-01T10:00:00.000Z',
      lastError: 'central is unreachable (ECONNRESET)',
      nextAttemptAt: '2026-06-01T10:00:15.000Z',
      failures: 2,
    });
    expect(l.waitMs()).toBe(5_000);
  });

  it('never retries sooner than central asked when it rate-limits the agent', () => {
    const { l } = link();
    // The jittered delay of a first failure is 2.5 s here; central asked for 90 s.
    expect(l.recordFailure('central refused (TOO_MANY_REQUESTS)', 90_000)).toBe(90_000);
    expect(l.status()).toMatchObject({ nextAttemptAt: '2026-06-01T10:01:30.000Z' });
    expect(l.waitMs()).toBe(90_000);
  });

  it('resets the backoff and clears the offline state when central answers', () => {
    const { l, clock } = link();
    l.recordFailure('down');
    l.recordFailure('down');
    clock.t += 60_000;
    l.recordSuccess();

    expect(l.status()).toMatchObject({
      state: 'online',
      offlineSince: null,
      lastError: null,
      nextAttemptAt: null,
      failures: 0,
      lastContactAt: '2026-06-01T10:01:00.000Z',
    });
    expect(l.waitMs()).toBe(0);
    // A new streak starts at the base delay again.
    expect(l.recordFailure('down')).toBe(2_500);
  });

  it('lets a failed heartbeat mark the link offline without touching the upload backoff', () => {
    const { l, clock } = link();
    l.recordHeartbeat('heartbeat to central failed: fetch failed');
    expect(l.status()).toMatchObject({
      state: 'offline',
      offlineSince: '2026-06-01T10:00:00.000Z',
      lastError: 'heartbeat to central failed: fetch failed',
      failures: 0,
    });
    expect(l.waitMs()).toBe(0);

    clock.t += 60_000;
    l.recordHeartbeat(null);
    expect(l.status()).toMatchObject({
      state: 'online',
      offlineSince: null,
      lastError: null,
      lastContactAt: '2026-06-01T10:01:00.000Z',
    });
  });

  it('keeps the upload streak offline when only a heartbeat gets through', () => {
    const { l, clock } = link();
    l.recordFailure('central answered 503');
    clock.t += 1_000;
    l.recordHeartbeat('heartbeat to central failed: 503');
    l.recordHeartbeat(null);

    expect(l.status()).toMatchObject({
      state: 'offline',
      offlineSince: '2026-06-01T10:00:00.000Z',
      lastError: 'central answered 503',
      failures: 1,
      lastContactAt: '2026-06-01T10:00:01.000Z',
    });
    expect(l.waitMs()).toBe(1_500);
  });

  it('resumes an outage an earlier run left as the same outage, and keeps what it learned', () => {
    const changes: CentralLinkChange[] = [];
    const kept: RememberedLink[] = [];
    const { l, clock } = link(Date.parse('2026-06-01T12:00:00Z'), {
      changed: (c) => changes.push(c),
      remembered: {
        offlineSince: '2026-06-01T10:00:00.000Z',
        lastError: 'central is unreachable (ECONNREFUSED)',
        lastContactAt: '2026-06-01T09:59:00.000Z',
      },
      remember: (r) => kept.push(r),
    });
    expect(l.status()).toMatchObject({
      state: 'offline',
      offlineSince: '2026-06-01T10:00:00.000Z',
      lastContactAt: '2026-06-01T09:59:00.000Z',
    });

    // Still away after the restart: no second "offline" transition.
    l.recordFailure('central is unreachable (ETIMEDOUT)');
    expect(changes).toEqual([]);
    clock.t += 60_000;
    l.recordSuccess();

    // Back online after the whole outage, restart included.
    expect(changes).toEqual([
      { to: 'online', offlineSince: '2026-06-01T10:00:00.000Z', offlineMs: 2 * 3_600_000 + 60_000 },
    ]);
    expect(kept).toEqual([
      {
        offlineSince: '2026-06-01T10:00:00.000Z',
        lastError: 'central is unreachable (ETIMEDOUT)',
        lastContactAt: '2026-06-01T09:59:00.000Z',
      },
      { offlineSince: null, lastError: null, lastContactAt: '2026-06-01T12:01:00.000Z' },
    ]);
  });

  it('starts unknown when the earlier run ended online, with its last contact known', () => {
    const { l } = link(undefined, {
      remembered: {
        offlineSince: null,
        lastError: null,
        lastContactAt: '2026-06-01T09:59:00.000Z',
      },
    });
    expect(l.status()).toMatchObject({
      state: 'unknown',
      offlineSince: null,
      lastContactAt: '2026-06-01T09:59:00.000Z',
    });
  });
});
