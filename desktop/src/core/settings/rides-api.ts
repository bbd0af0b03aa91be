import type { ActivityLog } from '../buffer/activity-log.ts';
import {
  rideAddedActivity,
  rideEditedActivity,
  rideRemovedActivity,
} from '../status/activity-events.ts';
import type { RideDraft } from './config.ts';
import type { ConnectionTestResult } from './connection-test.ts';
import type { RideRegistry, RideView } from './ride-registry.ts';

export interface RidesApiDeps {
  registry: RideRegistry;
  activity: ActivityLog;
  /** The park's time zone now: the activity log puts the rules in words in it. */
  timeZone: () => string;
  /** A ride was added (a running agent pulls it at once). */
  added: (rideId: string) => void;
}

/** What a person does with rides (the Rides screen), each change written to the activity log. */
export interface RidesApi {
  rides(): RideView[];
  addRide(draft: RideDraft): RideView;
  editRide(draft: RideDraft): RideView;
  removeRide(rideId: string): void;
  acceptHostKey(rideId: string, fingerprint: string): RideView;
  testConnection(target: { rideId: string } | { draft: RideDraft }): Promise<ConnectionTestResult>;
}

export function createRidesApi({ registry, activity, timeZone, added }: RidesApiDeps): RidesApi {
  return {
    rides: () => registry.views(),
    addRide(draft) {
      const view = registry.add(draft);
      const ride = registry.get(draft.id)?.ride;
      if (ride) rideAddedActivity(activity, ride, timeZone());
      added(draft.id);
      return view;
    },
    editRide(draft) {
      const before = registry.get(draft.id)?.ride;
      const view = registry.edit(draft);
      const after = registry.get(draft.id)?.ride;
      if (before && after) rideEditedActivity(activity, before, after, timeZone());
      return view;
    },
    removeRide(rideId) {
      registry.remove(rideId);
      rideRemovedActivity(activity, rideId);
    },
    acceptHostKey(rideId, fingerprint) {
      const view = registry.acceptHostKey(rideId, fingerprint);
      activity.append({
        level: 'info',
        kind: 'host_key',
        ride: rideId,
        message: `host key ${fingerprint} accepted by a person`,
      });
      return view;
    },
    testConnection: (target) => registry.testConnection(target),
  };
}
