import type { DropVerifier } from '@zra/gateway';
import type { Logger } from 'pino';
import type { ActivityLog } from '../buffer/activity-log.ts';
import type { DropBuffer } from '../buffer/drop-buffer.ts';
import type { DropState } from '../buffer/drop-record.ts';
import type { RideConfig } from '../settings/config.ts';
import { toProblemDrop, type ProblemDrop, type RunSummary } from '../status/agent-status.ts';
import { recheckQuarantined, type RecheckResult } from './quarantine.ts';

export interface ProblemDropsDeps {
  buffer: DropBuffer;
  activity: ActivityLog;
  log: Logger;
  verify: DropVerifier;
  park: string;
  /** A ride's configuration now (a re-check names its folder); undefined once removed. */
  ride: (rideId: string) => RideConfig | undefined;
  /** A drop became buffered again: the upload loop should send it. */
  kickUploads: () => void;
  /** Pulls one ride now (joining a pull under way). */
  pull: (rideId: string) => Promise<RunSummary['rides']>;
}

/** What fetching a kept file again from the gateway found. */
export interface RefetchResult {
  fileName: string;
  /**
   * The file's state after the new pull: `buffered` (valid now, will be uploaded),
   * `quarantined` (still invalid: `reason` says why), another valid state when its content
   * was already here, or null when the pull did not record it (gone from the gateway, or the
   * pull failed: `error`).
   */
  state: DropState | null;
  reason: string | null;
  error: string | null;
}

/** What a person does with drops kept aside: list, delete, check again (the Drops screen). */
export interface ProblemDropsApi {
  quarantined(): ProblemDrop[];
  deleteQuarantined(id: number): Promise<void>;
  recheckQuarantined(id: number): Promise<RecheckResult>;
  refetchQuarantined(id: number): Promise<RefetchResult>;
}

export function createProblemDropsApi(d: ProblemDropsDeps): ProblemDropsApi {
  return {
    quarantined: () => d.buffer.list({ state: 'quarantined' }).map(toProblemDrop),
    async deleteQuarantined(id) {
      const drop = d.buffer.getRecord(id);
      if (!drop || !(await d.buffer.deleteProblemDrop(id))) {
        throw new Error(
          `no quarantined or rejected drop ${id}: it may have been deleted or checked again meanwhile`,
        );
      }
      d.log.info(
        { id, sha256: drop.sha256, fileName: drop.fileName },
        'kept drop deleted by a person',
      );
      d.activity.append({
        level: 'info',
        kind: 'drop',
        ride: drop.ride,
        message: `${drop.fileName} deleted by a person (was ${drop.state}); that gateway file is not pulled again unless it changes`,
      });
    },
    async refetchQuarantined(id) {
      const drop = d.buffer.getRecord(id);
      if (
        drop?.state !== 'quarantined' ||
        !(await d.buffer.deleteProblemDrop(id, { dismiss: false }))
      ) {
        throw new Error(
          `no quarantined drop ${id}: it may have been deleted or checked again meanwhile`,
        );
      }
      d.log.info({ id, fileName: drop.fileName }, 'kept drop fetched again by a person');
      d.activity.append({
        level: 'info',
        kind: 'drop',
        ride: drop.ride,
        message: `${drop.fileName}: the kept copy was deleted to fetch the file again from the gateway`,
      });
      const [pulled] = await d.pull(drop.ride);
      const state = d.buffer.remoteFileDropState(drop.ride, drop.fileName) ?? null;
      const now = d.buffer.list({ state: 'quarantined', ride: drop.ride });
      const kept = now.find((k) => k.fileName === drop.fileName);
      return {
        fileName: drop.fileName,
        state,
        reason: state === 'quarantined' ? (kept?.reason ?? null) : null,
        error: pulled?.error ?? null,
      };
    },
    async recheckQuarantined(id) {
      const result = await recheckQuarantined(d.buffer, id, d.verify, d.park, d.ride);
      d.log.info({ id, outcome: result.outcome }, 'quarantined drop checked again');
      if (result.outcome === 'buffered') d.kickUploads();
      return result;
    },
  };
}
