import type { DropRecord, DropState } from '../buffer/drop-record.ts';
import type { BufferSpaceStatus } from '../buffer/buffer-space.ts';
import type { CentralLinkStatus } from '../central/central-link.ts';
import type { GlobalView } from '../central/central-view.ts';
import type { HostKeyStatus } from '../settings/connection-test.ts';
import type { RideSource } from '../store/ride-store.ts';
import type { HeartbeatStatus } from '../central/heartbeat-loop.ts';
import type { RidePullResult } from '../pull/pull.ts';
import type { UploadRoundResult } from '../upload/upload.ts';

/** One ride as the technician should see it. */
export interface RideStatus {
  id: string;
  /** How the agent reaches the gateway. */
  type: 'sftp' | 'http';
  /** `file`: from the config file; `stored`: added or edited through the status API. */
  source: RideSource;
  /** When the last pull of this ride ended (ISO 8601), successful or not. */
  lastPullAt: string | null;
  /** When a pull last reached the gateway and finished. */
  lastSuccessAt: string | null;
  lastResult: RidePullResult | null;
  /**
   * Why the last pull or connection test of the configured ride failed (wrong password, host
   * key not accepted, gateway unreachable); null after a good one. A failed test shows at once,
   * not after the next scheduled pull.
   */
  lastError: string | null;
  /** What `lastError` comes from. */
  lastErrorFrom: 'pull' | 'connection test' | null;
  /** Set while the gateway presents another host key than the pinned one. */
  hostKeyChanged: { expected: string; got: string } | null;
  /** The gateway's SSH host key: pinned, waiting to be accepted, or changed (ride stopped). */
  hostKey: HostKeyStatus;
  /** Why this ride's pulling is paused (the buffer is full); null while it pulls. */
  pausedReason: string | null;
  /** Its cron rules, read in the agent's `timeZone`. */
  schedule: string[];
  /** The same rules in words, e.g. "every 15 minutes from 07:00 to 23:59, every day". */
  scheduleInWords: string[];
  /** When a rule fires next (ISO 8601); null while the agent is not started. */
  nextPullAt: string | null;
  pulling: 'running' | 'waiting' | 'idle';
}

/** Everything the agent knows about itself; what the UI (and `--once`) reports. */
export interface AgentStatus {
  park: string;
  running: boolean;
  lastRunAt: string | null;
  rides: RideStatus[];
  upload: { lastRunAt: string | null; lastResult: UploadRoundResult | null };
  /** The upload bandwidth limit in force; null for none. */
  uploadBytesPerSecond: number | null;
  /** The IANA time zone every ride's pull rules are read in (a setting), e.g. "Europe/Rome". */
  timeZone: string;
  /** Online/offline, since when, why, and when the next upload round runs. */
  central: CentralLinkStatus;
  /** When central last took a heartbeat, and why the last one failed. */
  heartbeat: HeartbeatStatus;
  drops: Record<DropState, number>;
  /** Disk use against the cap, and why pulling is paused when it is full. */
  buffer: BufferSpaceStatus;
  /** Drops kept aside as invalid, with the reason; never uploaded (delete or re-check them). */
  quarantined: ProblemDrop[];
  /** Drops central refused as bad input, with its reason; they are not sent again. */
  rejected: ProblemDrop[];
  /** What waits for central, and since when. */
  backlog: { drops: number; bytes: number; oldestPulledAt: string | null };
  /** What central did with the park's drops, and its reports (fetched periodically). */
  global: GlobalView;
}

/** A drop that needs a person, as the status view lists it. */
export interface ProblemDrop {
  /** The record's id: what `quarantine.delete` and `quarantine.recheck` take. */
  id: number;
  sha256: string;
  /** The ride whose folder the file came from (its card shows the problem). */
  ride: string;
  fileName: string;
  /** The verdict's stable code (e.g. `name_mismatch`, `ride_mismatch`, `central_rejected`). */
  reasonCode: string | null;
  reason: string | null;
  updatedAt: string;
}

/** The fields of a drop a person needs to find it and understand why it stopped. */
export function toProblemDrop(d: DropRecord): ProblemDrop {
  return {
    id: d.id,
    sha256: d.sha256,
    ride: d.ride,
    fileName: d.fileName,
    reasonCode: d.reasonCode,
    reason: d.reason,
    updatedAt: d.updatedAt,
  };
}

/** What one `runOnce` did. */
export interface RunSummary {
  rides: {
    id: string;
    result: RidePullResult | null;
    error: string | null;
    /** Why the ride was not (fully) pulled: the buffer is full. */
    paused: string | null;
  }[];
  upload: UploadRoundResult;
  drops: Record<DropState, number>;
}

/** One line in plain words, e.g. for `agent --once` and the tray tooltip. */
export function summarize(run: RunSummary): string {
  const pulled = run.rides.reduce(
    (acc, r) => ({
      buffered: acc.buffered + (r.result?.buffered ?? 0),
      quarantined: acc.quarantined + (r.result?.quarantined ?? 0),
      duplicates: acc.duplicates + (r.result?.duplicates ?? 0),
      failedFiles: acc.failedFiles + (r.result?.failed.length ?? 0),
    }),
    { buffered: 0, quarantined: 0, duplicates: 0, failedFiles: 0 },
  );
  const failedRides = run.rides.filter((r) => r.error !== null);
  const parts = [
    `pulled ${plural(pulled.buffered, 'new drop')} from ${plural(run.rides.length, 'ride')}` +
      (pulled.quarantined ? `, ${pulled.quarantined} quarantined` : '') +
      (pulled.duplicates ? `, ${plural(pulled.duplicates, 'duplicate')} skipped` : '') +
      (pulled.failedFiles ? `, ${plural(pulled.failedFiles, 'file')} failed` : ''),
    `uploaded ${run.upload.acknowledged}` +
      (run.upload.failed ? ` (${run.upload.failed} failed)` : '') +
      (run.upload.rejected ? ` (${run.upload.rejected} rejected by central)` : '') +
      (run.upload.damaged ? ` (${run.upload.damaged} damaged copies forgotten)` : '') +
      (run.upload.error ? ` (stopped: ${run.upload.error})` : '') +
      (run.upload.retryAfterS !== undefined && run.upload.remaining > 0
        ? ` (central asks to wait ${Math.ceil(run.upload.retryAfterS)} s more: run again later)`
        : ''),
    `buffer: ${run.drops.buffered + run.drops.uploading} waiting, ` +
      `${run.drops.acknowledged} acknowledged, ${run.drops.quarantined} quarantined` +
      (run.drops.rejected ? `, ${run.drops.rejected} rejected` : ''),
  ];
  const paused = [...new Set(run.rides.flatMap((r) => (r.paused ? [r.paused] : [])))];
  if (paused.length) parts.push(`pulling paused: ${paused.join('; ')}`);
  if (failedRides.length) {
    parts.push(
      `${plural(failedRides.length, 'ride')} failed: ` +
        failedRides.map((r) => `${r.id}: ${r.error}`).join('; '),
    );
  }
  return parts.join('; ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
