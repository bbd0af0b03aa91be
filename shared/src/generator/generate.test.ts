import AdmZip from 'adm-zip';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alarmsFileSchema,
  countersFileSchema,
  cyclesFileSchema,
  type TelemetryFile,
} from '../drop/entries.ts';
import { parseDropFileName } from '../drop/file-name.ts';
import { verifyDrop } from '../drop/verify-drop.ts';
import { findRideModel, loadRideModels } from '../ride-model/ride-model.ts';
import { generateDrops, generateSmallDrop, writeDrops, type GeneratedDrop } from './generate.ts';

const models = loadRideModels();
const RIDES = [
  { id: 'ride-1', model: 'discovery-revolution' },
  { id: 'ride-2', model: 'disko-coaster' },
  { id: 'ride-3', model: 'discovery-revolution' },
];

const opened = new WeakMap<GeneratedDrop, AdmZip>();

function entryJson(drop: GeneratedDrop, path: string): unknown {
  let zip = opened.get(drop);
  if (!zip) {
    zip = new AdmZip(drop.zip);
    opened.set(drop, zip);
  }
  return JSON.parse(zip.readAsText(path));
}

// One low-rate day for three rides, shared by the tests that look at a whole day.
const summerDay = generateDrops({ rides: RIDES, from: '2026-06-06', seed: 7, rateHz: 1 }, models);
const dstDay = generateDrops(
  { rides: RIDES.slice(0, 2), from: '2026-03-29', seed: 3, rateHz: 1 },
  models,
);

describe('generateDrops', () => {
  it('gives byte-identical zips for the same arguments', () => {
    const options = {
      rides: RIDES.slice(0, 2),
      from: '2026-06-06',
      hours: 13,
      seed: 11,
      rateHz: 2,
    };
    const a = generateDrops(options, models);
    const b = generateDrops(options, models);
    expect(a.map((d) => d.fileName)).toEqual(b.map((d) => d.fileName));
    for (const [i, drop] of a.entries())
      expect(drop.zip.equals(b[i]?.zip ?? Buffer.alloc(0))).toBe(true);
  });

  it('writes to disk exactly the bytes it returns in memory', async () => {
    const options = { rides: RIDES.slice(0, 2), from: '2026-06-06', hours: 12, seed: 4, rateHz: 2 };
    const dir = mkdtempSync(join(tmpdir(), 'zra-drops-'));
    try {
      const summary = await writeDrops(options, dir, models);
      const drops = generateDrops(options, models);
      expect(readdirSync(dir).sort()).toEqual(drops.map((d) => d.fileName).sort());
      for (const d of drops) expect(readFileSync(join(dir, d.fileName)).equals(d.zip)).toBe(true);
      expect(summary.map((s) => s.drops)).toEqual([3, 3]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives different drops for different seeds', () => {
    const options = { rides: RIDES.slice(0, 1), from: '2026-06-06', hours: 13, rateHz: 1 };
    const a = generateDrops({ ...options, seed: 1 }, models);
    const b = generateDrops({ ...options, seed: 2 }, models);
    expect(a.map((d) => d.fileName)).toEqual(b.map((d) => d.fileName));
    expect(a.some((d, i) => !d.zip.equals(b[i]?.zip ?? Buffer.alloc(0)))).toBe(true);
  });

  it.each([
    ['a summer Saturday', summerDay],
    ['the spring-forward DST day', dstDay],
    [
      'a park at UTC+05:30, whose local hours are not UTC hours',
      generateDrops(
        {
          rides: RIDES.slice(0, 1),
          from: '2026-06-06',
          seed: 5,
          rateHz: 1,
          timezone: 'Asia/Kolkata',
        },
        models,
      ),
    ],
  ])('writes only drops that pass verifyDrop on %s', (_name, drops) => {
    expect(drops.length).toBeGreaterThan(0);
    for (const drop of drops) {
      // Windows are whole UTC hours (window_not_hour), and a drop pulled as soon as its hour
      // ends is not in the future (window_in_future).
      const start = parseDropFileName(drop.fileName)?.windowStart ?? '';
      const receivedAt = new Date(Date.parse(start) + 3_600_000);
      const result = verifyDrop(drop.zip, { fileName: drop.fileName, receivedAt });
      expect(result.ok ? 'ok' : `${drop.fileName}: ${result.reason}`).toBe('ok');
    }
  });

  it('powers rides 09:00–23:00 park-local time on the DST day, with sequences from 1', () => {
    const ride1 = dstDay.filter((d) => d.ride === 'ride-1');
    // 23 local hours that day; rides are powered 14 of them (one hour either side of 10–22).
    expect(ride1).toHaveLength(14);
    expect(ride1.map((d) => d.sequence)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    // 09:00 CEST is 07:00 UTC: the change happened at 01:00 UTC that night.
    expect(ride1[0]?.manifest.window.start).toBe('2026-03-29T07:00:00Z');
    expect(ride1.at(-1)?.manifest.window.start).toBe('2026-03-29T20:00:00Z');
  });

  it('keeps every cycle inside its window and riders within the model capacity', () => {
    for (const drop of [...summerDay, ...dstDay]) {
      const { start, end } = drop.manifest.window;
      const capacity = findRideModel(models, drop.model).capacity;
      for (const c of cyclesFileSchema.parse(entryJson(drop, 'cycles.json'))) {
        expect(Date.parse(c.start)).toBeGreaterThanOrEqual(Date.parse(start));
        expect(Date.parse(c.end)).toBeLessThanOrEqual(Date.parse(end));
        expect(c.riders).toBeLessThanOrEqual(capacity);
      }
    }
  });

  it('runs no cycles in the powered hour before opening and after closing', () => {
    const ride1 = summerDay.filter((d) => d.ride === 'ride-1');
    expect(ride1[0]?.cycles).toBe(0);
    expect(ride1.at(-1)?.cycles).toBe(0);
    expect(ride1.slice(1, -1).every((d) => d.cycles > 0)).toBe(true);
  });

  it('is busier in the afternoon than in the morning', () => {
    const ride = summerDay.filter((d) => d.ride === 'ride-2');
    const riders = (d: GeneratedDrop) =>
      cyclesFileSchema.parse(entryJson(d, 'cycles.json')).reduce((n, c) => n + c.riders, 0);
    // Windows 2 (10:00) and 7 (15:00) local.
    const morning = ride[1];
    const afternoon = ride[6];
    if (!morning || !afternoon) throw new Error('day too short');
    expect(riders(afternoon)).toBeGreaterThan(riders(morning) * 1.5);
  });

  it('shows faults, aborted or e-stopped cycles and an alarm active across a window end', () => {
    const alarms = summerDay.flatMap((d) => alarmsFileSchema.parse(entryJson(d, 'alarms.json')));
    const cycles = summerDay.flatMap((d) => cyclesFileSchema.parse(entryJson(d, 'cycles.json')));
    expect(alarms.some((a) => a.severity === 'fault' || a.severity === 'critical')).toBe(true);
    expect(cycles.some((c) => c.outcome !== 'completed')).toBe(true);
    const open = alarms.find((a) => a.clearedAt === null);
    expect(open).toBeDefined();
    // The same alarm is reported again, cleared, in a later drop.
    expect(
      alarms.some((a) => a.code === open?.code && a.raisedAt === open.raisedAt && a.clearedAt),
    ).toBe(true);
  });

  it('snapshots counters every 15 minutes, growing, with exactly one cycle-counter reset', () => {
    let resets = 0;
    for (const ride of RIDES) {
      const snapshots = summerDay
        .filter((d) => d.ride === ride.id)
        .flatMap((d) => countersFileSchema.parse(entryJson(d, 'counters.json')));
      expect(snapshots.length).toBe(14 * 4);
      for (let i = 1; i < snapshots.length; i++) {
        const [a, b] = [snapshots[i - 1], snapshots[i]];
        if (!a || !b) continue;
        expect(Date.parse(b.at) - Date.parse(a.at)).toBe(15 * 60_000);
        expect(b.powerOnHours).toBeGreaterThan(a.powerOnHours);
        expect(b.operatingHours).toBeGreaterThanOrEqual(a.operatingHours);
        if (b.cycleCounter < a.cycleCounter) resets += 1;
      }
    }
    expect(resets).toBe(1);
  });

  it('writes 3600 × rate samples per channel with gaps as runs of null', () => {
    let nulls = 0;
    for (const drop of summerDay) {
      for (const f of drop.manifest.files.filter((x) => x.path.startsWith('telemetry/'))) {
        // The schema itself is checked by verifyDrop above; this looks at the shape of the data.
        const { values } = entryJson(drop, f.path) as TelemetryFile;
        expect(values).toHaveLength(3600);
        for (const v of values) if (v === null) nulls += 1;
      }
    }
    expect(nulls).toBeGreaterThan(0);
  });
});

describe('generateSmallDrop', () => {
  it('makes one small valid drop quickly', () => {
    const started = performance.now();
    const drop = generateSmallDrop({ seed: 5, ride: 'wheel', sequence: 42 });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(drop.fileName).toBe('gardaland-demo_wheel_20260606T130000Z_42.zip');
    expect(drop.zip.length).toBeLessThan(200_000);
    expect(drop.cycles).toBeGreaterThan(0);
    expect(verifyDrop(drop.zip, { fileName: drop.fileName }).ok).toBe(true);
  });
});
