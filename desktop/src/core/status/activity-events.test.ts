import { afterEach, describe, expect, it } from 'vitest';
import {
  centralLinkActivity,
  durationInWords,
  pullActivity,
  pullFailedActivity,
  rideAddedActivity,
  rideEditedActivity,
  uploadActivity,
} from './activity-events.ts';
import { ActivityLog } from '../buffer/activity-log.ts';
import { openDataDir } from '../buffer/data-dir.ts';
import type { RideConfig } from '../settings/config.ts';
import { HostKeyMismatchError } from '@zra/gateway';
import { silentLogger } from '../logger.ts';
import type { RidePullResult } from '../pull/pull.ts';
import { tempDir } from '../testing/temp-dir.ts';
import type { UploadRoundResult } from '../upload/upload.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function activityLog(): Promise<ActivityLog> {
  const t = await tempDir('activity-events');
  const data = await openDataDir(t.dir, silentLogger());
  cleanups.push(t.remove, () => data.close());
  return new ActivityLog(data.db);
}

const quietPull: RidePullResult = {
  ride: 'r1',
  listed: 12,
  buffered: 0,
  quarantined: 0,
  quarantinedFiles: [],
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
  heldBack: 0,
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
    pullActivity(log, 'r1', {
      ...quietPull,
      buffered: 3,
      quarantined: 1,
      quarantinedFiles: [
        {
          name: 'gardaland_r2_20260601T100000Z_1.zip',
          code: 'ride_mismatch',
          reason: 'The drop is of ride "r2" (fix the PLC export).',
        },
      ],
      known: 8,
    });
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
      [
        'warn',
        'quarantine',
        'r1',
        'gardaland_r2_20260601T100000Z_1.zip quarantined (ride_mismatch): The drop is of ride "r2" (fix the PLC export).',
      ],
    ]);
  });

  it('names at most five quarantined files per pull and counts the rest; a failed file says why', async () => {
    const log = await activityLog();
    const files = Array.from({ length: 7 }, (_, i) => ({
      name: `f${i}.zip`,
      code: 'name_mismatch',
      reason: `"f${i}.zip" is not a drop file name.`,
    }));
    pullActivity(log, 'r1', {
      ...quietPull,
      quarantined: 7,
      quarantinedFiles: files,
      failed: [
        {
          name: 'x.zip',
          error:
            'the file changed while downloading (10 -> 20 bytes); the file stays on the gateway and the next pull tries again',
        },
      ],
    });

    const messages = log
      .list()
      .events.map((e) => e.message)
      .reverse();
    expect(messages).toEqual([
      ...files.slice(0, 5).map((f) => `${f.name} quarantined (name_mismatch): ${f.reason}`),
      '2 more drop(s) quarantined by this pull: see Drops for each file and its reason',
      'pull finished: 0 new, 7 quarantined, 1 could not be pulled (x.zip: the file changed while downloading (10 -> 20 bytes); the file stays on the gateway and the next pull tries again) (12 listed)',
    ]);
  });
});

const httpRide: RideConfig = {
  id: 'coaster',
  remoteDir: 'drops',
  afterBuffer: 'keep',
  schedule: ['*/15 * * * *'],
  connection: {
    type: 'http',
    url: 'https://gw-user:url-secret-pw@10.20.0.5:8443/base',
    username: 'gw-user',
    password: 'basic-secret-pw',
    timeoutSeconds: 60,
  },
};

describe('ride and central link events', () => {
  it('names what an edit of an HTTP ride changed, never a password, not even one written into the URL', async () => {
    const log = await activityLog();
    rideAddedActivity(log, httpRide, 'Europe/Rome');
    rideEditedActivity(
      log,
      httpRide,
      {
        ...httpRide,
        afterBuffer: 'delete',
        connection: {
          type: 'http',
          url: 'https://gw-user:url-secret-pw-2@10.20.0.6:8443/base',
          username: 'other-user',
          password: 'basic-secret-pw-2',
          timeoutSeconds: 30,
          caCertificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
        },
      },
      'Europe/Rome',
    );

    const messages = log
      .list()
      .events.reverse()
      .map((e) => [e.kind, e.ride, e.message]);
    expect(messages).toEqual([
      [
        'ride',
        'coaster',
        'ride added: https://10.20.0.5:8443/base, folder "drops", pulls every 15 minutes, every day, Europe/Rome time',
      ],
      [
        'ride',
        'coaster',
        'ride edited: gateway address (now https://10.20.0.6:8443/base), user name (now "other-user"), password, download timeout (now 30 s), trusted certificate, files after buffering (now deleted from the gateway)',
      ],
    ]);
    expect(JSON.stringify(messages)).not.toMatch(/secret-pw/);
  });

  it('says why the link went offline and that drops keep buffering, then how long it was away', async () => {
    const log = await activityLog();
    centralLinkActivity(log, {
      to: 'offline',
      reason: 'central is unreachable (ECONNREFUSED): fetch failed',
    });
    centralLinkActivity(log, {
      to: 'online',
      offlineSince: '2026-06-01T10:00:00.000Z',
      offlineMs: (3 * 60 + 5) * 60_000,
    });

    expect(log.list().events.map((e) => [e.level, e.kind, e.ride, e.message])).toEqual([
      [
        'info',
        'central',
        null,
        'central link back online after 3 h 5 min offline; buffered drops are uploaded again',
      ],
      [
        'warn',
        'central',
        null,
        'central link offline: central is unreachable (ECONNREFUSED): fetch failed. Drops keep being pulled into the buffer and are uploaded once central answers again',
      ],
    ]);
  });

  it('puts durations in the largest units a person reads', () => {
    expect(
      [800, 45_000, 12 * 60_000 + 59_000, 2 * 3_600_000, 50 * 3_600_000, 72 * 3_600_000].map(
        durationInWords,
      ),
    ).toEqual(['1 s', '45 s', '12 min', '2 h', '2 d 2 h', '3 d']);
  });
});
