import type { RideReport } from '../agents/heartbeat-schemas.ts';
import type { ParkAgentHealth } from '../agents/heartbeat-store.ts';
import type { AgentView, RideAtPark } from './dashboard-schemas.ts';

/** One ride's pulling in the dashboard's terms: failing beats paused beats fine. */
export function rideAtPark(r: RideReport): RideAtPark {
  if (r.hostKeyChanged) {
    return {
      id: r.id,
      lastPullAt: r.lastPullAt,
      lastSuccessAt: r.lastSuccessAt,
      state: 'failing',
      problem:
        r.lastError ??
        'the gateway shows another SSH host key than the pinned one: pulling stopped until a technician checks and accepts it in the park agent',
    };
  }
  if (r.lastError) {
    return {
      id: r.id,
      lastPullAt: r.lastPullAt,
      lastSuccessAt: r.lastSuccessAt,
      state: 'failing',
      problem: r.lastError,
    };
  }
  if (r.pausedReason) {
    return {
      id: r.id,
      lastPullAt: r.lastPullAt,
      lastSuccessAt: r.lastSuccessAt,
      state: 'paused',
      problem: r.pausedReason,
    };
  }
  return {
    id: r.id,
    lastPullAt: r.lastPullAt,
    lastSuccessAt: r.lastSuccessAt,
    state: r.lastPullAt === null ? 'never_pulled' : 'ok',
    problem: null,
  };
}

/**
 * The dashboard's view of a park's agent; a park never heard from is silent with nulls.
 * Every figure is as of `lastHeartbeatAt`: a silent agent's backlog is the last one known.
 */
export function agentView(h: ParkAgentHealth | undefined, now = Date.now()): AgentView {
  return {
    lastHeartbeatAt: h?.lastHeartbeatAt ?? null,
    version: h?.version ?? null,
    backlogDrops: h?.backlogDrops ?? null,
    backlogBytes: h?.backlogBytes ?? null,
    // The age at the last heartbeat plus the time since (the agent's clock only dates the
    // oldest pull; central's clock says how long ago it reported).
    backlogAgeS:
      !h || h.lastHeartbeatAt === null
        ? null
        : h.backlogOldestPulledAt === null
          ? 0
          : Math.max(0, Math.round((now - Date.parse(h.backlogOldestPulledAt)) / 1000)),
    bufferBytes: h?.bufferBytes ?? null,
    bufferCapBytes: h?.bufferCapBytes ?? null,
    offlineSince: h?.offlineSince ?? null,
    silent: h?.silent ?? true,
    backlogGrowing: h?.backlogGrowing ?? false,
    rides: h?.rides ? h.rides.map(rideAtPark) : null,
    quarantinedDrops: h?.quarantinedDrops ?? null,
    quarantineLatestAt: h?.quarantineLatestAt ?? null,
  };
}
