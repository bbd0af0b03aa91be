/**
 * Every advisory lock central takes from TypeScript, in one place so that no two share a key.
 * Each is the two-integer form (class, key), which never meets node-pg-migrate's single-bigint
 * lock (db/migrate.ts). Two classes are taken in SQL: 0x5a5201 per ride by the commits
 * (`lock_ride_commits`), 0x5a5204 per park by the triggers that keep today's drops by state
 * (migration 1796800000000_park-day-states.sql).
 */
export const ADVISORY_LOCK = {
  /** Class of the per-ride locks (key: `hashtext(ride)`) keeping two downloads apart. */
  rideDownload: 0x5a5202,
  /** Held by the one replica keeping ride days; the others skip the round. */
  rideDayBackfill: [0x5a5203, 1],
  /**
   * Held by the one replica sweeping expired data. Once (0x5a5202, 1), inside the ride locks'
   * class, where a ride whose id hashes to 1 would have shared it. While a rollout runs old
   * and new replicas side by side, each may sweep the same round: a sweep is idempotent.
   */
  retentionSweep: [0x5a5205, 1],
  /** Class of the per-file locks (key: `hashtext(sha256)`) in db/blob-bytes-lock.ts. */
  blobBytes: 0x5a5206,
} as const;
