import type { Manifest } from '@zra/shared';
import type { RideConfig } from '../settings/config.ts';

/** Why a valid drop is not this agent's to upload: a stable code and what to change. */
export interface Misplaced {
  code: 'park_mismatch' | 'ride_mismatch';
  reason: string;
}

/**
 * A valid drop of another park or ride in a ride's folder: the PLC export writes the wrong
 * id, or the ride reads another ride's folder. It is a verdict like any other (quarantined
 * once, shown with the fix), not a pull failure repeated every round. The codes are those
 * central uses for the same finding (`park_mismatch`).
 */
export function misplacedDrop(
  manifest: Manifest,
  park: string,
  ride: Pick<RideConfig, 'id' | 'remoteDir'>,
): Misplaced | null {
  if (manifest.park !== park) {
    return {
      code: 'park_mismatch',
      reason: `The drop is of park "${manifest.park}", but this agent serves park "${park}": fix the park id in the PLC export, or, if this agent's park id is the wrong one, correct "park" in its config.`,
    };
  }
  if (manifest.ride !== ride.id) {
    return {
      code: 'ride_mismatch',
      reason: `The drop is of ride "${manifest.ride}", but it lies in the folder "${ride.remoteDir}" of ride "${ride.id}": fix the ride id in the PLC export, or point this ride at its own folder (a ride's id must be the id its PLC writes).`,
    };
  }
  return null;
}
