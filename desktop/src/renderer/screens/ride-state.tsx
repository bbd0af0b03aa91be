import type { RideStatus, Status } from '../api.tsx';
import type { AppTone } from '../format.tsx';

type KeptDrop = Status['quarantined'][number];

/** Files of a ride kept aside here (quarantined, or refused by central), newest first. */
export function keptOf(status: Status, rideId: string): KeptDrop[] {
  return [...status.quarantined, ...status.rejected]
    .filter((d) => d.ride === rideId)
    .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1));
}

/**
 * A ride's state in a word and a tone, the same on its Overview card and in Rides: red when
 * its data does not move (a failed test or pull, a host key changed or not accepted after a
 * try, pulling paused, drops of another park), amber when a person should look.
 */
export function rideState(ride: RideStatus, status: Status): { tone: AppTone; words: string } {
  const kept = keptOf(status, ride.id);
  if (ride.hostKey.state === 'changed') return { tone: 'failing', words: 'Host key changed' };
  if (ride.lastError) {
    return {
      tone: 'failing',
      words:
        ride.lastErrorFrom === 'connection test' ? 'Connection test failed' : 'Last pull failed',
    };
  }
  if (ride.pausedReason) return { tone: 'failing', words: 'Paused: buffer full' };
  if (kept.some((d) => d.reasonCode === 'park_mismatch')) {
    return { tone: 'failing', words: 'Drops of another park' };
  }
  if (ride.hostKey.state === 'unconfirmed')
    return { tone: 'attention', words: 'Host key to accept' };
  if (kept.length > 0) return { tone: 'attention', words: 'Drops kept aside' };
  if (status.global.drops.some((d) => d.ride === ride.id && d.state === 'failed')) {
    return { tone: 'attention', words: 'Failed at central' };
  }
  if (ride.pulling === 'running') return { tone: 'ok', words: 'Pulling now' };
  if (!ride.lastPullAt) return { tone: 'neutral', words: 'Not pulled yet' };
  return { tone: 'ok', words: 'Gateway reached' };
}

/** What to change for a file kept aside: the reason says it; this says where to act. */
export function keptAction(d: KeptDrop): string {
  if (d.reasonCode === 'ride_mismatch') {
    return 'Correct the ride id in the PLC export, or this ride’s folder or id in Rides; then choose “Check again” on the file in Drops (or “Delete” if it does not belong here).';
  }
  if (d.reasonCode === 'park_mismatch') {
    return 'The file comes from another park’s PLC: correct the park id in the PLC export (or this ride’s folder), then “Delete” the file in Drops: it is never uploaded here.';
  }
  if (d.reasonCode === 'window_in_future') {
    return 'Set the PLC clock to UTC; the PLC then exports the window again under a new file. Delete this copy in Drops.';
  }
  if (d.reasonCode === 'central_rejected') {
    return 'Central refused the file as invalid: “Retry upload” in Drops after the PLC export is fixed, or “Delete” it.';
  }
  return 'Have the PLC export fixed as the reason says; then “Fetch again from the gateway” or “Delete” the file in Drops. The gateway keeps the file.';
}
