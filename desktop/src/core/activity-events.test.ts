import { afterEach, describe, expect, it } from 'vitest';
import { pullActivity, pullFailedActivity, uploadActivity } from './activity-events.ts';
import { ActivityLog } from './buffer/activity-log.ts';
import { DropBuffer } from './buffer/drop-buffer.ts';
import { HostKeyMismatchError } from './gateway/host-key.ts';
import { silentLogger } from './logger.ts';
import type { RidePullResult } from './pull.ts';
import { tempDir } from './testing/temp-dir.ts';
import type { UploadRoundResult } from './upload.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function activityLog(): Promise<ActivityLog> {
  const t = await tempDir('activity-events');
  const buffer = await DropBuffer.open(t.dir, silentLogger());
  cleanups.push(t.remove, () => buffer.close());
  return new ActivityLog(buffer.db);
}

const quietPull: RidePullResult = {
  ride: 'r1',
  listed: 12,
  buffered: 0,
  quarantined: 0,
  duplicates: 0,
  young: 0,
  known: 12,
  failed: [],
  cleanedUp: 0,
  cleanupFailed: [],
  bytes: 0,
  pausedForSpace: false,
};

const quietRound: UploadRoundResult = {
  acknowledged: 0,
  duplicates: 0,
  quarantinedByCentral: 0,
  failed: 0,
  rejected: 0,
  remaining: 0,
  damaged: 0,
  error: null,
};

describe('activity events', () => {
  it('writes nothing for quiet pulls and rounds, so the log is not buried in them', async () => {
    const log = await activityLog();
    pullActivity(log, 'r1', quietPull);
    uploadActivity(log, quietRound);
    expect(log.list().events).toEqual([]);
  });

  it('writes quarantines as a warning, counts of a pull, and a changed host key as its own kind', async () => {
    const log = await activityLog();
    pullActivity(log, 'r1', { ...quietPull, buffered: 3, quarantined: 1, known: 8 });
    pullFailedActivity(log, 'r1', new HostKeyMismatchError('SHA256:old', 'SHA256:new'));
    uploadActivity(log, { ...quietRound, acknowledged: 2, rejected: 1, remaining: 4 });
    uploadActivity(log, { ...quietRound, error: 'central unreachable', remaining: 4 });

    const events = log.list().events.map((e) => [e.level, e.kind, e.ride, e.message]);
    expect(events).toEqual([
      ['error', 'upload', null, 'upload round stopped: central unreachable (4 drop(s) wait)'],
      [
        'error',
        'upload',
        null,
        'upload round: 2 acknowledged by central, 1 rejected by central (see Drops: retry); 4 waiting',
      ],
      [
        'error',
        'host_key',
        'r1',
        expect.stringMatching(/^pull failed: the gateway's host key changed/),
      ],
      ['info', 'pull', 'r1', 'pull finished: 3 new, 1 quarantined (12 listed)'],
      ['warn', 'quarantine', 'r1', '1 drop(s) quarantined as invalid: see Drops for the reason'],
    ]);
  });
});
