import type { Logger } from 'pino';
import type { BufferSpaceConfig } from '../buffer/buffer-space.ts';
import type { DropBuffer } from '../buffer/drop-buffer.ts';
import type { CentralClient } from './central-client.ts';
import type { CentralLink } from './central-link.ts';
import { CentralViewLoop, type GlobalView } from './central-view.ts';
import type { RideStatus } from '../status/agent-status.ts';
import {
  boundedText,
  HEARTBEAT_MAX_RIDES,
  HeartbeatLoop,
  type RideReport,
} from './heartbeat-loop.ts';

/** The agent's periodic calls to central besides uploads. */
export interface CentralLoops {
  heartbeats: HeartbeatLoop;
  globalView: CentralViewLoop;
}

/** A ride's status as central's fleet view takes it (the ride's id is its slug in drop names). */
export function rideReport(r: RideStatus): RideReport {
  return {
    id: r.id,
    lastPullAt: r.lastPullAt,
    lastSuccessAt: r.lastSuccessAt,
    lastError: boundedText(r.lastError),
    pausedReason: boundedText(r.pausedReason),
    hostKeyChanged: r.hostKeyChanged !== null || r.hostKey.state === 'changed',
  };
}

/**
 * The heartbeat (version, buffer, backlog, offline since, each ride's pulling and the
 * quarantine, so central's fleet view shows park-side problems; it may move `link`) and the fetch
 * of the park's global view, both over `client`, not started.
 */
export function createCentralLoops(d: {
  client: CentralClient;
  link: CentralLink;
  buffer: DropBuffer;
  bufferConfig: BufferSpaceConfig;
  /** Every configured ride's status now. */
  rides: () => RideStatus[];
  heartbeatSeconds: number;
  globalViewSeconds: number;
  log: Logger;
  /** Called with each view central answered. */
  viewed?: (view: GlobalView) => void;
}): CentralLoops {
  return {
    heartbeats: new HeartbeatLoop({
      client: d.client,
      link: d.link,
      log: d.log.child({ component: 'heartbeat' }),
      intervalSeconds: d.heartbeatSeconds,
      snapshot: () => ({
        buffer: {
          drops: d.buffer.storedDrops(),
          bytes: d.buffer.storedBytes(),
          capBytes: d.bufferConfig.maxBytes,
        },
        backlog: d.buffer.backlog(),
        offlineSince: d.link.status().offlineSince,
        rides: d.rides().slice(0, HEARTBEAT_MAX_RIDES).map(rideReport),
        quarantine: quarantineSummary(d.buffer),
      }),
    }),
    globalView: new CentralViewLoop({
      client: d.client,
      log: d.log.child({ component: 'global-view' }),
      intervalSeconds: d.globalViewSeconds,
      ...(d.viewed ? { viewed: d.viewed } : {}),
    }),
  };
}

/** How many drops are quarantined here, and when the newest of them was kept aside. */
function quarantineSummary(buffer: DropBuffer): { drops: number; latestAt: string | null } {
  const kept = buffer.list({ state: 'quarantined' });
  let latestAt: string | null = null;
  for (const d of kept) if (latestAt === null || d.updatedAt > latestAt) latestAt = d.updatedAt;
  return { drops: kept.length, latestAt };
}
