import { describe, expect, it } from 'vitest';
import { SettleTracker } from './settle-tracker.ts';

const file = (size: number, mtimeMs: number) => ({ name: 'a.zip', size, mtimeMs });

describe('SettleTracker', () => {
  it('settles a file whose mtime is older than the min age at once', () => {
    expect(new SettleTracker(2000).isSettled('r1', file(10, 1000), 3000)).toBe(true);
  });

  it('waits for a file modified within the min age', () => {
    const t = new SettleTracker(2000);
    expect(t.isSettled('r1', file(10, 1000), 1500)).toBe(false);
    expect(t.isSettled('r1', file(10, 1000), 3000)).toBe(true);
  });

  it('settles a file stamped in the future (gateway clock ahead) once it stays unchanged for the min age', () => {
    const t = new SettleTracker(2000);
    const future = 10_000_000;
    expect(t.isSettled('r1', file(10, future), 0)).toBe(false);
    expect(t.isSettled('r1', file(10, future), 1000)).toBe(false);
    expect(t.isSettled('r1', file(10, future), 2000)).toBe(true);
  });

  it('starts over when the size or mtime changes between listings', () => {
    const t = new SettleTracker(2000);
    const future = 10_000_000;
    expect(t.isSettled('r1', file(10, future), 0)).toBe(false);
    expect(t.isSettled('r1', file(20, future), 2500)).toBe(false);
    expect(t.isSettled('r1', file(20, future), 4000)).toBe(false);
    expect(t.isSettled('r1', file(20, future), 4500)).toBe(true);
  });

  it('forgets files that are no longer listed', () => {
    const t = new SettleTracker(2000);
    const future = 10_000_000;
    t.isSettled('r1', file(10, future), 0);
    t.prune('r1', new Set());
    expect(t.isSettled('r1', file(10, future), 5000)).toBe(false);
  });
});
