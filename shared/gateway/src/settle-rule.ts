import type { RemoteFile } from './gateway-client.ts';

/**
 * The latest moment the file may have been written. SFTP (version 3) lists whole seconds, the
 * fraction cut off: a file written at 12:00:00.900 shows 12:00:00, so a whole-second mtime may
 * be up to a second older than the truth, and the min age must count from its end.
 */
function latestWrite(mtimeMs: number): number {
  return mtimeMs % 1000 === 0 ? mtimeMs + 999 : mtimeMs;
}

/** A file first listed at `firstSeenAt` with this size and mtime, still being watched. */
export interface Sighting {
  size: number;
  mtimeMs: number;
  firstSeenAt: number;
}

/**
 * Decides when a remote file is complete ("settled"). A file is settled when its mtime is at
 * least the min age ago, or when it has been listed unchanged (size and mtime) for at least
 * the min age: the second rule keeps a gateway whose clock runs ahead from stalling pulls.
 * Kept in memory per agent; after a restart the first rule, or one more listing, decides.
 */
export class SettleTracker {
  private readonly seen = new Map<string, Sighting>();

  constructor(private minAgeMs: number) {}

  /** A new min age (a settings change), used from the next listing on. */
  setMinAgeMs(ms: number): void {
    this.minAgeMs = ms;
  }

  isSettled(ride: string, file: RemoteFile, now: number): boolean {
    // A min age of 0 turns the rule off (the gateway writes atomically, e.g. by rename).
    if (this.minAgeMs <= 0) return true;
    const key = `${ride}\u0000${file.name}`;
    if (now - latestWrite(file.mtimeMs) >= this.minAgeMs) {
      this.seen.delete(key);
      return true;
    }
    const prev = this.seen.get(key);
    if (prev && prev.size === file.size && prev.mtimeMs === file.mtimeMs) {
      if (now - prev.firstSeenAt < this.minAgeMs) return false;
      this.seen.delete(key);
      return true;
    }
    this.seen.set(key, { size: file.size, mtimeMs: file.mtimeMs, firstSeenAt: now });
    return false;
  }

  /**
   * What the tracker remembers of a file (a caller whose pulls run in separate processes, as
   * central's download jobs do, stores it between listings and gives it back with `recall`).
   */
  sighting(ride: string, name: string): Sighting | undefined {
    return this.seen.get(`${ride}\u0000${name}`);
  }

  /** Gives back a sighting stored from an earlier listing (see `sighting`). */
  recall(ride: string, name: string, sighting: Sighting): void {
    this.seen.set(`${ride}\u0000${name}`, { ...sighting });
  }

  /** Forgets files of `ride` that are no longer listed, so the map stays small. */
  prune(ride: string, listed: ReadonlySet<string>): void {
    const prefix = `${ride}\u0000`;
    for (const key of this.seen.keys()) {
      if (key.startsWith(prefix) && !listed.has(key.slice(prefix.length))) this.seen.delete(key);
    }
  }
}
