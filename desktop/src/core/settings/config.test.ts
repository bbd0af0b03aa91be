import { describe, expect, it } from 'vitest';
import { ConfigError, parseAgentConfig, ruleForPollSeconds } from './config.ts';

const connection = {
  type: 'sftp',
  host: '10.0.0.5',
  username: 'agent',
  privateKeyPath: 'keys/id_ed25519',
  hostKeySha256: 'SHA256:' + 'a'.repeat(43),
};
const ride = { id: 'r1', remoteDir: 'drops/r1', connection };
const valid = {
  park: 'gardaland',
  dataDir: 'data',
  central: { url: 'https://central.example/trpc', token: 'park-token-0123456789' },
  rides: [ride],
};

function errorOf(raw: unknown): string {
  try {
    parseAgentConfig(raw, '/etc/zra');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('agent config', () => {
  it('fills defaults and resolves relative paths from the config file folder', () => {
    const cfg = parseAgentConfig(valid, '/etc/zra');
    expect(cfg.dataDir).toBe('/etc/zra/data');
    const conn = cfg.rides[0]?.connection;
    expect(conn?.type === 'sftp' && conn.privateKeyPath).toBe('/etc/zra/keys/id_ed25519');
    expect(conn?.type === 'sftp' && conn.port).toBe(22);
    expect(cfg.minAgeSeconds).toBe(2);
    expect(cfg.chunkBytes).toBe(4 * 1024 * 1024);
    expect(cfg.rides[0]?.afterBuffer).toBe('keep');
    expect(cfg.rides[0]?.schedule).toEqual(['*/15 * * * *']);
    expect(cfg.maxConcurrentPulls).toBe(2);
    // No zone given: the agent takes the park's from central (the machine's until then).
    expect(cfg.timezone).toBeUndefined();
    expect(cfg.upload).toEqual({
      intervalSeconds: 60,
      retryBaseSeconds: 5,
      retryMaxSeconds: 900,
      maxRejections: 3,
    });
  });

  it('turns the older pollSeconds into a rule for rides that give none', () => {
    const cfg = parseAgentConfig(
      { ...valid, pollSeconds: 3, rides: [ride, { ...ride, id: 'r2', schedule: ['0 6 * * *'] }] },
      '/etc/zra',
    );
    expect(cfg.rides.map((r) => r.schedule)).toEqual([['*/3 * * * * *'], ['0 6 * * *']]);
    expect([90, 600, 7200].map(ruleForPollSeconds)).toEqual([
      '*/2 * * * *',
      '*/10 * * * *',
      '0 */2 * * *',
    ]);
    expect('pollSeconds' in cfg).toBe(false);
  });

  it.each([
    [{ ...valid, park: undefined }, 'park: missing: add this field'],
    [{ ...valid, park: 'Garda Land' }, 'park: use lowercase letters'],
    [
      { ...valid, central: { ...valid.central, url: 'ftp://x' } },
      'central.url: expected the central API URL',
    ],
    [{ ...valid, central: { ...valid.central, token: 'x' } }, 'central.token: the park token'],
    [
      { ...valid, rides: [{ ...ride, connection: { ...ride.connection, password: 'pw' } }] },
      'rides[0].connection: give exactly one of privateKeyPath, privateKey or password',
    ],
    [
      {
        ...valid,
        rides: [
          {
            ...ride,
            afterBuffer: { moveTo: 'done' },
            connection: { type: 'http', url: 'http://10.0.0.1/drops' },
          },
        ],
      },
      'rides[0].afterBuffer: an HTTP gateway cannot move files',
    ],
    [
      { ...valid, rides: [{ ...ride, connection: { type: 'ftp' } }] },
      'rides[0].connection.type: connection.type must be "sftp" or "http"',
    ],
    [
      {
        ...valid,
        rides: [
          {
            ...ride,
            connection: { ...connection, hostKeySha256: 'abc' },
          },
        ],
      },
      'rides[0].connection.hostKeySha256: expected the fingerprint as `ssh-keygen -lf',
    ],
    [{ ...valid, rides: [ride, ride] }, 'rides[1].id: ride "r1" is configured twice'],
    [{ ...valid, surprise: 1 }, 'surprise'],
    [
      { ...valid, rides: [{ ...ride, schedule: ['every 15 minutes'] }] },
      'rides[0].schedule[0]: "every 15 minutes" is not a cron rule; write "minute hour day month weekday"',
    ],
    [{ ...valid, rides: [{ ...ride, schedule: [] }] }, 'rides[0].schedule: give at least one rule'],
    [{ ...valid, timezone: 'Mars/Base' }, 'timezone: expected an IANA time zone'],
    [{ ...valid, timezone: '+01:00' }, 'timezone: expected an IANA time zone'],
    [
      { ...valid, rides: [{ ...ride, afterBuffer: 'move' }] },
      'rides[0].afterBuffer: afterBuffer must be "keep", "delete" or { "moveTo"',
    ],
    [
      { ...valid, upload: { retryBaseSeconds: 60, retryMaxSeconds: 5 } },
      'upload.retryMaxSeconds: retryMaxSeconds must be at least retryBaseSeconds',
    ],
  ])('names the field and the fix: %#', (raw, expected) => {
    expect(errorOf(raw)).toContain(expected);
  });
});
