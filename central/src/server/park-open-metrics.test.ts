import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPark } from '../parks/park-store.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { parksOpenAt } from './park-open-metrics.ts';

let env: TestEnvironment;

beforeAll(async () => {
  env = await createTestEnvironment('park-open');
  // Rome is UTC+2 in July, UTC+1 in January; Sydney UTC+10 in July, UTC+11 in January.
  await createPark(env.pool, {
    id: 'rome',
    name: 'Rome',
    timezone: 'Europe/Rome',
    openingHours: { open: '09:00', close: '19:00', days: { mon: null } },
  });
  await createPark(env.pool, {
    id: 'sydney',
    name: 'Sydney',
    timezone: 'Australia/Sydney',
    openingHours: { open: '10:00', close: '22:00' },
  });
  await createPark(env.pool, { id: 'gone', name: 'Gone', timezone: 'UTC' });
  await env.pool.query("UPDATE parks SET disabled_at = now() WHERE id = 'gone'");
});

afterAll(async () => {
  await env?.cleanup();
});

const at = async (iso: string) =>
  Object.fromEntries((await parksOpenAt(env.pool, new Date(iso))).map((p) => [p.park, p.open]));

describe('zra_park_open', () => {
  it('follows each park by its own zone and hours; disabled parks are left out', async () => {
    // Wednesday 1 July 2026: 08:59 in Rome (closed), 16:59 in Sydney (open).
    expect(await at('2026-07-01T06:59:00Z')).toEqual({ rome: false, sydney: true });
    // 09:00 in Rome (open), 17:00 in Sydney.
    expect(await at('2026-07-01T07:00:00Z')).toEqual({ rome: true, sydney: true });
    // 19:00 in Rome (closed: close is exclusive), 03:00 next day in Sydney (closed).
    expect(await at('2026-07-01T17:00:00Z')).toEqual({ rome: false, sydney: false });
    // January: Rome UTC+1 (12:00Z is 13:00, open), Sydney on summer time UTC+11 (23:00, closed).
    expect(await at('2026-01-14T12:00:00Z')).toEqual({ rome: true, sydney: false });
  });

  it('keeps a weekday marked closed closed all day', async () => {
    // Monday 6 July 2026, 12:00 in Rome.
    expect((await at('2026-07-06T10:00:00Z')).rome).toBe(false);
    // Tuesday 7 July 2026, 12:00 in Rome.
    expect((await at('2026-07-07T10:00:00Z')).rome).toBe(true);
  });
});
