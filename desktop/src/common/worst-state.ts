import type { AgentStatus } from '../core/status/agent-status.ts';
import { timeZoneMismatch } from './park-time-zone.ts';

export type OverallTone = 'ok' | 'attention' | 'failing';

export interface Overall {
  tone: OverallTone;
  /** The state in a few words, for the header badge and the tray tooltip. */
  words: string;
  /** Each reason, most serious first. */
  reasons: string[];
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The worst state of the agent at a glance (tray colour, header badge). `failing`: data is
 * not moving (a ride cannot be pulled, central unreachable, a host key changed, pulling
 * paused because the buffer is full, a ride's last pull or connection test failed, drops of
 * another park on a ride's gateway). `attention`: a person should look (a host key waiting to
 * be accepted, quarantined or rejected drops, drops central failed to process, a global-view
 * fetch failing, a time zone that is not the one central has for the park).
 */
export function worstState(status: AgentStatus): Overall {
  const failing: string[] = [];
  const attention: string[] = [];
  for (const ride of status.rides) {
    if (ride.hostKey.state === 'changed') {
      failing.push(`${ride.id}: the gateway's host key changed`);
    } else if (ride.lastError) {
      // A failed test or pull, a host key not accepted included: this ride's data is not moving.
      failing.push(
        `${ride.id}: ${ride.lastErrorFrom === 'connection test' ? 'connection test failed' : 'last pull failed'}`,
      );
    } else if (ride.hostKey.state === 'unconfirmed') {
      attention.push(`${ride.id}: host key waiting to be accepted`);
    }
    if (ride.pausedReason) failing.push(`${ride.id}: pulling paused`);
  }
  // Drops of another park on a ride's gateway: that ride's folder or the PLC is set up wrong.
  const otherPark = new Set(
    status.quarantined.filter((d) => d.reasonCode === 'park_mismatch').map((d) => d.ride),
  );
  for (const ride of otherPark) failing.push(`${ride}: drops of another park`);
  if (status.rides.length === 0) attention.push('no ride is set up yet');
  if (status.central.state === 'offline') failing.push('central cannot be reached');
  if (status.buffer.pullPausedReason) failing.push('the buffer is full');
  if (status.quarantined.length) {
    attention.push(`${count(status.quarantined.length, 'drop')} quarantined`);
  }
  if (status.rejected.length) {
    attention.push(`${count(status.rejected.length, 'drop')} refused by central`);
  }
  const failedAtCentral = status.global.drops.filter((d) => d.state === 'failed').length;
  if (failedAtCentral) {
    attention.push(`${count(failedAtCentral, 'drop')} failed at central`);
  }
  if (status.global.error) attention.push('the view from central is out of date');
  const zones = timeZoneMismatch(status);
  if (zones) attention.push(`time zone ${zones.agent} is not the park's (${zones.park})`);
  const reasons = [...new Set([...failing, ...attention])];
  if (failing.length) return { tone: 'failing', words: 'Needs action', reasons };
  if (attention.length) return { tone: 'attention', words: 'Needs a look', reasons };
  return { tone: 'ok', words: 'All good', reasons: [] };
}
