import { describe, expect, it } from 'vitest';
import { SettleTracker } from './settle-rule.ts';

const file = (size: number, mtimeMs: number) => ({ name: 'a.zip', size, mtimeMs });

describe('SettleTracker', () => {
  it('settles a file whose mtime is older than the min age at once', () => {
    expect(new SettleTracker(2000).isSettled('r1', file(10, 1250), 3250)).toBe(true);
  });

  it('waits for a file modified within the min age', () => {
    const t = new SettleTracker(2000);
    expect(t.isSettled('r1', file(10, 1250), 1500)).toBe(false);
    expect(t.isSettled('r1', file(10, 1250), 3250)).toBe(true);
  });

  it('counts a whole-second mtime (SFTP cuts the fraction) from the end of that second', () => {
    const t = new SettleTracker(2000);
    // Written any time in 1.000–1.999 s: only at 3.999 s is it surely 2 s old.
    expect(t.isSettled('r1', file(10, 1000), 3000)).toBe(false);
    expect(new SettleTracker(2000).isSettled('r1', file(10, 1000), 3998)).toBe(false);
    expect(new SettleTracker(2000).isSettled('r1', file(10, 1000), 3999)).toBe(true);
  });

  it('settles everything at once with a min age of 0', () => {
    expect(new SettleTracker(0).isSettled('r1', file(10, Date.now() + 60_000), Date.now())).toBe(
      true,
    );
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
