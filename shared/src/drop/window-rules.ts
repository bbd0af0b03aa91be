import { MAX_WINDOW_START_AFTER_RECEIVED_MS } from './drop-limits.ts';
import type { Manifest } from './manifest.ts';
import { reject } from './rejection.ts';

const HOUR_MS = 3_600_000;

/** An instant as both verifiers compare it: to the millisecond, as `Date.parse` reads it. */
export function instantMs(iso: string): number {
  return Date.parse(iso);
}

/** The canonical ISO form of an instant (`2026-06-01T10:00:00Z`, milliseconds when set). */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * A drop covers exactly one hour aligned to a UTC hour (`window_not_hour`): the ride-window is
 * the unit central counts and revises by, so one ride has at most one window per UTC hour.
 */
export function checkWindowIsOneUtcHour(manifest: Manifest): void {
  const start = instantMs(manifest.window.start);
  const end = instantMs(manifest.window.end);
  if (start % HOUR_MS === 0 && end - start === HOUR_MS) return;
  const aligned = Math.floor(start / HOUR_MS) * HOUR_MS;
  reject(
    'window_not_hour',
    `manifest.json: the window ${manifest.window.start} – ${manifest.window.end} is not one UTC hour; a drop covers exactly one hour starting on the hour (e.g. ${formatInstant(aligned)} – ${formatInstant(aligned + HOUR_MS)}): export one drop per UTC hour.`,
  );
}

/**
 * Why a window starts too far in the future (`window_in_future`), or null when it does not:
 * more than 15 minutes after the drop was received means the PLC's clock is ahead, or set to
 * local time instead of UTC. A contextual check: the agent applies it when it pulls, central
 * when it commits, each with its own clock, and both word it with this one sentence.
 */
export function windowInFutureReason(windowStart: string, receivedAt: Date): string | null {
  const start = instantMs(windowStart);
  const received = receivedAt.getTime();
  if (start - received <= MAX_WINDOW_START_AFTER_RECEIVED_MS) return null;
  return `manifest.json: the window starts in the future: set the PLC clock to UTC (window.start is ${formatInstant(start)}, the drop was received at ${formatInstant(received)}; at most ${MAX_WINDOW_START_AFTER_RECEIVED_MS / 60_000} minutes ahead are accepted).`;
}

/** Rejects a drop whose window starts too far after its receipt ({@link windowInFutureReason}). */
export function checkWindowNotInFuture(manifest: Manifest, receivedAt: Date): void {
  const reason = windowInFutureReason(manifest.window.start, receivedAt);
  if (reason !== null) reject('window_in_future', reason);
}
