import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { openAgentData } from '../store/open-agent-data.ts';
import { SettingsStore } from '../store/settings-store.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { parseAgentConfig } from './config.ts';
import { SettingsApplier, type SettingsTargets } from './settings-applier.ts';

const log = silentLogger();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An applier over a real settings store, and parts that write down what reached them. */
async function setup() {
  const dir = await tempDir('settings-applier');
  const data = await openAgentData(dir.dir, undefined, log);
  cleanups.push(dir.remove, () => data.buffer.close());
  const config = parseAgentConfig({
    park: 'gardaland',
    dataDir: dir.dir,
    central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
    timezone: 'Europe/Rome',
    buffer: { maxBytes: 2_000_000, retainAcknowledgedHours: 24 },
  });
  const store = new SettingsStore(data.db, data.secrets, config);
  const reached: string[] = [];
  const targets: SettingsTargets = {
    bufferConfig: { maxBytes: 2_000_000, retainAcknowledgedHours: 24 },
    pulls: {
      setMaxConcurrent: (n) => reached.push(`pulls ${n}`),
      setMinAgeSeconds: (s) => reached.push(`min age ${s}`),
      setTimeZone: (tz) => reached.push(`zone ${tz}`),
    },
    uploads: {
      setIntervalSeconds: (s) => reached.push(`interval ${s}`),
      retryNow: () => reached.push('upload now'),
    },
    switchCentral: (url, token) => reached.push(`central ${url} …${token.slice(-4)}`),
    centralChanged: () => reached.push('heartbeat now'),
  };
  const applier = new SettingsApplier(store, data.activity, log);
  applier.applyTo(targets);
  return { applier, targets, reached, store, activity: data.activity };
}

describe('settings applier', () => {
  it('applies a change at once to the parts it affects, and keeps it', async () => {
    const { applier, targets, reached, store } = await setup();

    const view = applier.update({
      bufferMaxBytes: 5_000_000,
      retainAcknowledgedHours: 1,
      maxConcurrentPulls: 3,
      timeZone: 'asia/tokyo',
    });

    // The buffer-space functions read this object on every use: the cap holds from now on.
    expect(targets.bufferConfig).toEqual({ maxBytes: 5_000_000, retainAcknowledgedHours: 1 });
    expect(reached).toEqual(['pulls 3', 'min age 2', 'zone Asia/Tokyo', 'interval 60']);
    expect(view).toMatchObject({ bufferMaxBytes: 5_000_000, timeZone: 'Asia/Tokyo' });
    expect(store.load().settings).toMatchObject({ maxConcurrentPulls: 3, timeZone: 'Asia/Tokyo' });
  });

  it('moves the rules only when the zone changes, and central only when its address or token do', async () => {
    const { applier, reached } = await setup();

    applier.update({ timeZone: 'Europe/Rome', uploadIntervalSeconds: 5 });
    expect(reached).toEqual(['pulls 2', 'min age 2', 'interval 5']);

    reached.length = 0;
    applier.update({ parkToken: 'park-token-ABCDEFGHWXYZ' });
    expect(reached).toContain('central http://127.0.0.1:9 …WXYZ');
    // New credentials: what waits for central goes now, not at the next interval or after the
    // old address's backoff, and central hears from the agent at once.
    expect(reached.slice(-2)).toEqual(['upload now', 'heartbeat now']);
    expect(applier.view()).toMatchObject({ parkTokenHint: '…WXYZ', parkTokenError: null });
    expect(applier.view()).not.toHaveProperty('parkToken');
  });

  it('refuses a change with a bad field whole: nothing reaches the parts, nothing is kept', async () => {
    const { applier, targets, reached, store, activity } = await setup();
    const before = store.load().settings;

    expect(() => applier.update({ maxConcurrentPulls: 4, minAgeSeconds: -1 })).toThrow(
      /^the settings are not valid: minAgeSeconds: /,
    );
    expect(reached).toEqual([]);
    expect(targets.bufferConfig).toEqual({ maxBytes: 2_000_000, retainAcknowledgedHours: 24 });
    expect(store.load().settings).toEqual(before);
    expect(applier.current).toEqual(before);
    expect(activity.list({ limit: 10 }).events).toEqual([]);
  });

  it('writes each saved change to the activity log in words', async () => {
    const { applier, activity } = await setup();
    applier.update({ maxConcurrentPulls: 4 });
    const [event] = activity.list({ limit: 10 }).events;
    expect(event).toMatchObject({
      kind: 'settings',
      level: 'info',
      message: 'settings changed: rides pulled at once (now at most 4)',
    });
  });
});
