import type { AgentStatus } from '../core/status/agent-status.ts';

export type OverallTone = 'ok' | 'attention' | 'failing';

export interface Overall {
  tone: OverallTone;
  /** The state in a few words, for the header badge and the tray tooltip. */
  words: string;
  /** Each reason, most serious first. */
  reasons: string[];
}

/**
 * The worst state of the agent at a glance (tray colour, header badge). `failing`: data is
 * not moving (a ride cannot be pulled, central unreachable, a host key changed, pulling
 * paused because the buffer is full). `attention`: a person should look (a host key waiting
 * to be accepted, quarantined or rejected drops, a global-view fetch failing).
 */
export function worstState(status: AgentStatus): Overall {
  const failing: string[] = [];
  const attention: string[] = [];
  for (const ride of status.rides) {
    if (ride.hostKey.state === 'changed') {
      failing.push(`${ride.id}: the gateway's host key changed`);
    } else if (ride.hostKey.state === 'unconfirmed') {
      attention.push(`${ride.id}: host key waiting to be accepted`);
    } else if (ride.lastError) {
      failing.push(`${ride.id}: last pull failed`);
    }
    if (ride.pausedReason) failing.push(`${ride.id}: pulling paused`);
  }
  if (status.rides.length === 0) attention.push('no ride is set up yet');
  if (status.central.state === 'offline') failing.push('central cannot be reached');
  if (status.buffer.pullPausedReason) failing.push('the buffer is full');
  if (status.quarantined.length) attention.push(`${status.quarantined.length} drop(s) quarantined`);
  if (status.rejected.length)
    attention.push(`${status.rejected.length} drop(s) refused by central`);
  if (status.global.error) attention.push('the view from central is out of date');
  const reasons = [...new Set([...failing, ...attention])];
  if (failing.length) return { tone: 'failing', words: 'Needs action', reasons };
  if (attention.length) return { tone: 'attention', words: 'Needs a look', reasons };
  return { tone: 'ok', words: 'All good', reasons: [] };
}
