import type { ParkAgentHealth } from '../agents/heartbeat-store.ts';
import type { AgentView } from './dashboard-schemas.ts';

/** The dashboard's view of a park's agent; a park never heard from is silent with nulls. */
export function agentView(h: ParkAgentHealth | undefined, now = Date.now()): AgentView {
  return {
    lastHeartbeatAt: h?.lastHeartbeatAt ?? null,
    version: h?.version ?? null,
    backlogDrops: h?.backlogDrops ?? null,
    backlogBytes: h?.backlogBytes ?? null,
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
  };
}
