import type { RideReport } from '../agents/heartbeat-schemas.ts';
import type {
  AgentHealthFigures,
  FleetAgentHealth,
  ParkAgentHealth,
} from '../agents/heartbeat-store.ts';
import type { AgentView, FleetAgentView, RideAtPark, RideCounts } from './dashboard-schemas.ts';

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
  return { ...figures(h, now), rides: h?.rides ? h.rides.map(rideAtPark) : null };
}

/** The fleet page's view of a park's agent: {@link agentView} with the rides counted. */
export function fleetAgentView(h: FleetAgentHealth | undefined, now = Date.now()): FleetAgentView {
  return { ...figures(h, now), rideCounts: h?.rideCounts ?? null };
}

/** A park page's agent counted as the fleet page counts it (for its attention flags). */
export function withRideCounts(view: AgentView): FleetAgentView {
  const { rides, ...rest } = view;
  return { ...rest, rideCounts: rideCountsOf(rides) };
}

/** The rides by state, as the fleet page and the attention flags count them. */
export function rideCountsOf(rides: RideAtPark[] | null): RideCounts | null {
  if (rides === null) return null;
  let failing = 0;
  let paused = 0;
  for (const r of rides) {
    if (r.state === 'failing') failing += 1;
    else if (r.state === 'paused') paused += 1;
  }
  return { total: rides.length, failing, paused };
}

function figures(h: AgentHealthFigures | undefined, now: number): Omit<AgentView, 'rides'> {
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
    quarantinedDrops: h?.quarantinedDrops ?? null,
    quarantineLatestAt: h?.quarantineLatestAt ?? null,
  };
}
