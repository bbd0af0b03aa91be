import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../testing/manual-clock.ts';
import { startPullRules, type PullRules } from './pull-rules.ts';

let rules: PullRules | null = null;
afterEach(() => rules?.stop());

/** Pull rule firings of ride r1 (`schedule`) in Rome between `from` and `until`, as UTC. */
function firings(schedule: string[], from: string, until: string) {
  const clock = new ManualClock(from);
  const ticks: string[] = [];
  rules = startPullRules(
    [{ id: 'r1', schedule }],
    'Europe/Rome',
    (ride) => {
      ticks.push(`${ride} ${new Date(clock.now()).toISOString()}`);
    },
    clock,
  );
  const nextBefore = rules.nextRunAt('r1');
  clock.advanceTo(until);
  return { ticks, nextBefore, nextAfter: rules.nextRunAt('r1') };
}

describe('pull rules on DST days (rule R6, with an injected clock)', () => {
  it('fires a 02:30 rule at the end of the spring-forward gap (03:00 CEST) on 2026-03-29', () => {
    // Rome skips 02:00–03:00 on 29 March 2026: 02:30 never shows on the clock that day.
    const { ticks, nextBefore, nextAfter } = firings(
      ['30 2 * * *'],
      '2026-03-28T12:00:00Z',
      '2026-03-30T12:00:00Z',
    );
    expect(nextBefore).toBe('2026-03-29T01:00:00.000Z');
    expect(ticks).toEqual(['r1 2026-03-29T01:00:00.000Z', 'r1 2026-03-30T00:30:00.000Z']);
    expect(nextAfter).toBe('2026-03-31T00:30:00.000Z');
  });

  it('fires a 02:30 rule once on 2026-10-25, when 02:30 shows twice (at its first showing)', () => {
    // Rome goes back from 03:00 CEST to 02:00 CET: 02:30 is 00:30Z, then again 01:30Z.
    const { ticks, nextBefore } = firings(
      ['30 2 * * *'],
      '2026-10-24T12:00:00Z',
      '2026-10-26T12:00:00Z',
    );
    expect(nextBefore).toBe('2026-10-25T00:30:00.000Z');
    expect(ticks).toEqual(['r1 2026-10-25T00:30:00.000Z', 'r1 2026-10-26T01:30:00.000Z']);
  });

  it('keeps every quarter hour of a ride through the spring gap, once each', () => {
    const { ticks } = firings(['*/15 * * * *'], '2026-03-29T00:40:00Z', '2026-03-29T01:20:00Z');
    // 01:45 CET, then the clock shows 03:00 CEST: the gap's quarter hours are one firing.
    expect(ticks).toEqual([
      'r1 2026-03-29T00:45:00.000Z',
      'r1 2026-03-29T01:00:00.000Z',
      'r1 2026-03-29T01:15:00.000Z',
    ]);
  });

  it('fires a six-field rule (seconds first) as written: every 3 seconds (pollSeconds: 3)', () => {
    const { ticks } = firings(['*/3 * * * * *'], '2026-06-01T10:00:01Z', '2026-06-01T10:00:10Z');
    expect(ticks).toEqual([
      'r1 2026-06-01T10:00:03.000Z',
      'r1 2026-06-01T10:00:06.000Z',
      'r1 2026-06-01T10:00:09.000Z',
    ]);
  });

  it('gives the soonest of several rules as the next pull, and none once stopped', () => {
    const clock = new ManualClock('2026-06-01T08:00:00Z');
    rules = startPullRules(
      [{ id: 'r1', schedule: ['0 18 * * *', '0 12 * * *'] }],
      'Europe/Rome',
      () => undefined,
      clock,
    );
    expect(rules.nextRunAt('r1')).toBe('2026-06-01T10:00:00.000Z');
    expect(rules.nextRunAt('other')).toBeNull();
    rules.stop();
    expect(rules.nextRunAt('r1')).toBeNull();
  });
});
