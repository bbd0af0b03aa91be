import type { Attention, FleetAgentView } from './dashboard-schemas.ts';

/**
 * Why a park needs a person, worst first. A silent agent's park-side figures (failing rides,
 * quarantine) are the last ones known and still count: a problem does not go away because the
 * agent stopped talking.
 */
export function attentionOf(p: {
  disabled: boolean;
  agent: FleetAgentView;
  failedNow: number;
  quarantinedToday: number;
}): Attention[] {
  const out: Attention[] = [];
  if (p.disabled) return ['disabled'];
  if (p.agent.lastHeartbeatAt === null) out.push('never_heard');
  else if (p.agent.silent) out.push('silent');
  if ((p.agent.rideCounts?.failing ?? 0) > 0) out.push('rides_failing');
  if (p.failedNow > 0) out.push('failed_drops');
  if ((p.agent.quarantinedDrops ?? 0) > 0) out.push('quarantined_at_park');
  if (p.quarantinedToday > 0) out.push('quarantined_today');
  if (p.agent.backlogGrowing) out.push('backlog_growing');
  if ((p.agent.rideCounts?.paused ?? 0) > 0) out.push('rides_paused');
  return out;
}
