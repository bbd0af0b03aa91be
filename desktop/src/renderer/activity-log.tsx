import { useEffect, useRef, useState } from 'react';
import type { Status } from './api.tsx';
import { plural } from './format.tsx';

export interface ActivityEntry {
  at: string;
  kind: 'pull' | 'upload' | 'error' | 'central';
  text: string;
}

const MAX_ENTRIES = 200;

/**
 * Recent pulls, uploads and errors, derived from the status snapshots this page has seen
 * (each change of a ride's last pull or of the last upload round becomes one line). Kept in
 * memory: the agent's log file holds the full history.
 */
export function useActivityLog(status: Status | null): ActivityEntry[] {
  const [entries, setEntries] = useState<ActivityEntry[]>([]);
  const seen = useRef(new Map<string, string>());

  useEffect(() => {
    if (!status) return;
    const fresh: ActivityEntry[] = [];
    const changed = (key: string, value: string | null): boolean => {
      if (value === null || seen.current.get(key) === value) return false;
      seen.current.set(key, value);
      return true;
    };
    for (const ride of status.rides) {
      if (changed(`pull:${ride.id}`, ride.lastPullAt) && ride.lastPullAt) {
        const r = ride.lastResult;
        fresh.push(
          ride.lastError
            ? {
                at: ride.lastPullAt,
                kind: 'error',
                text: `${ride.id}: pull failed — ${ride.lastError}`,
              }
            : {
                at: ride.lastPullAt,
                kind: 'pull',
                text:
                  `${ride.id}: pulled, ${plural(r?.buffered ?? 0, 'new drop')}` +
                  (r?.quarantined ? `, ${r.quarantined} quarantined` : '') +
                  (r?.duplicates ? `, ${plural(r.duplicates, 'duplicate')} skipped` : '') +
                  ` (${plural(r?.listed ?? 0, 'file')} on the gateway)`,
              },
        );
      }
    }
    const up = status.upload;
    if (changed('upload', up.lastRunAt) && up.lastRunAt && up.lastResult) {
      const r = up.lastResult;
      const sent = r.acknowledged + r.failed + r.rejected;
      if (r.error) {
        fresh.push({ at: up.lastRunAt, kind: 'error', text: `upload stopped — ${r.error}` });
      } else if (sent > 0) {
        fresh.push({
          at: up.lastRunAt,
          kind: 'upload',
          text:
            `uploaded ${plural(r.acknowledged, 'drop')} to central` +
            (r.failed ? `, ${r.failed} failed` : '') +
            (r.rejected ? `, ${r.rejected} refused by central` : ''),
        });
      }
    }
    if (changed('central', status.central.state) && status.central.state !== 'unknown') {
      fresh.push({
        at: new Date().toISOString(),
        kind: 'central',
        text:
          status.central.state === 'online'
            ? 'central reachable'
            : `central unreachable — ${status.central.lastError ?? 'no answer'}`,
      });
    }
    if (fresh.length) setEntries((old) => [...fresh.reverse(), ...old].slice(0, MAX_ENTRIES));
  }, [status]);

  return entries;
}
