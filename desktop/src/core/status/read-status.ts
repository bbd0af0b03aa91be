import { bufferSpace, type BufferSpaceConfig } from '../buffer/buffer-space.ts';
import type { DropBuffer } from '../buffer/drop-buffer.ts';
import type { CentralViewLoop } from '../central/central-view.ts';
import type { HeartbeatLoop } from '../central/heartbeat-loop.ts';
import type { PullCoordinator } from '../pull/pull-coordinator.ts';
import type { RideRegistry } from '../settings/ride-registry.ts';
import type { AgentSettings } from '../store/settings-store.ts';
import type { UploadLoop } from '../upload/upload-loop.ts';
import { toProblemDrop, type AgentStatus } from './agent-status.ts';

/** The running parts whose state makes up `AgentStatus`. */
export interface StatusSources {
  park: string;
  running: boolean;
  lastRunAt: string | null;
  settings: AgentSettings;
  registry: RideRegistry;
  pulls: PullCoordinator;
  uploads: UploadLoop;
  heartbeats: HeartbeatLoop;
  globalView: CentralViewLoop;
  buffer: DropBuffer;
  bufferConfig: BufferSpaceConfig;
}

/**
 * The link to central as a person reads it: offline, the next try is the upload loop's backoff,
 * or, when only heartbeats found central away (nothing to upload), the next heartbeat; a
 * heartbeat in flight is a try now. Never "no next try" while the agent keeps trying.
 */
function centralStatus(s: StatusSources): AgentStatus['central'] {
  const link = s.uploads.link.status();
  if (link.state !== 'offline' || link.nextAttemptAt !== null) return link;
  const beat = s.heartbeats.status().nextAt;
  return { ...link, nextAttemptAt: s.running ? (beat ?? new Date().toISOString()) : null };
}

/** Everything the agent knows about itself right now (the UI polls it, `--once` prints it). */
export function readStatus(s: StatusSources): AgentStatus {
  return {
    park: s.park,
    running: s.running,
    lastRunAt: s.lastRunAt,
    rides: s.registry.allStatuses().map((r) => ({
      ...r,
      nextPullAt: s.pulls.nextPullAt(r.id),
      pulling: s.pulls.state(r.id),
    })),
    upload: s.uploads.status(),
    uploadBytesPerSecond: s.settings.uploadBytesPerSecond,
    timeZone: s.settings.timeZone,
    central: centralStatus(s),
    heartbeat: s.heartbeats.status(),
    drops: s.buffer.counts(),
    buffer: bufferSpace(s.buffer, s.bufferConfig),
    quarantined: s.buffer.list({ state: 'quarantined' }).map(toProblemDrop),
    rejected: s.buffer.list({ state: 'rejected' }).map(toProblemDrop),
    backlog: s.buffer.backlog(),
    global: s.globalView.status(),
  };
}
