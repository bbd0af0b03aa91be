import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  writeDropZip,
  writeDropZipAsync,
  type DropHeader,
  type WrittenDrop,
} from '../drop/write-drop-zip.ts';
import type { ZipInputEntry } from '../drop/zip-writer.ts';
import {
  findRideModel,
  loadRideModels,
  type RideModel,
  type RideModels,
} from '../ride-model/ride-model.ts';
import {
  generateOptionsSchema,
  type GenerateOptions,
  type GenerateOptionsInput,
  type RideSpec,
} from './generate-options.ts';
import { localParts } from '../time/local-time.ts';
import { DEFAULT_OPENING_HOURS, planWindows, type PlannedWindow } from './park-plan.ts';
import { createRandom, hashString, type Random } from './random.ts';
import { simulateRide, type WindowEvents } from './ride-simulator.ts';
import { renderTelemetry } from './telemetry.ts';
import { DROP_ZIP_LEVEL, windowDropParts, type PlcIdentity } from './write-drop.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** Facts about a generated drop, for summaries and tests. */
interface DropFacts {
  ride: string;
  model: string;
  sequence: number;
  cycles: number;
  alarms: number;
}

/** One generated drop with a few facts for summaries and tests. */
export interface GeneratedDrop extends WrittenDrop, DropFacts {}

/** A drop before zipping. */
interface DropParts extends DropFacts {
  header: DropHeader;
  entries: ZipInputEntry[];
}

function parseOptions(input: GenerateOptionsInput): GenerateOptions {
  const parsed = generateOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`invalid generator options: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

function plcFor(ride: RideSpec, model: RideModel, seed: number): PlcIdentity {
  const h = hashString(`${ride.id}/${seed}`);
  const prefix = model.id
    .replace(/[^a-z]/g, '')
    .slice(0, 3)
    .toUpperCase();
  return {
    serial: `ZP-${prefix}-${String(1000 + (h % 9000))}`,
    firmware: `${model.version + 3}.${(h >>> 8) % 4}.${(h >>> 12) % 10}`,
  };
}

/** Rare events, chosen once per run so a day of data shows each of them at least once. */
interface RareEvents {
  counterResetAt: Map<string, number>;
  longFaultsAt: Map<string, number[]>;
}

function planRareEvents(
  options: GenerateOptions,
  powered: readonly PlannedWindow[],
  random: Random,
): RareEvents {
  const events: RareEvents = { counterResetAt: new Map(), longFaultsAt: new Map() };
  if (!options.rareEvents) return events;
  const incidentRide = random.pick(options.rides).id;
  if (powered.length >= 8) {
    const w = powered[random.int(2, powered.length - 3)];
    if (w) events.counterResetAt.set(random.pick(options.rides).id, w.start + 7 * MINUTE);
  }
  // Afternoon windows per local day: where a long fault hurts most and is easy to see.
  const afternoons = new Map<string, PlannedWindow[]>();
  for (const w of powered) {
    const p = localParts(w.start, options.timezone);
    if (p.hour < 12 || p.hour >= 19) continue;
    const day = `${p.year}-${p.month}-${p.day}`;
    afternoons.set(day, [...(afternoons.get(day) ?? []), w]);
  }
  for (const ride of options.rides) {
    const times: number[] = [];
    for (const windows of afternoons.values()) {
      if (windows.length < 3) continue;
      if (ride.id !== incidentRide && !random.chance(0.35)) continue;
      times.push(random.pick(windows).start + random.int(0, 50) * MINUTE);
    }
    events.longFaultsAt.set(ride.id, times);
  }
  return events;
}

interface RidePlan {
  ride: RideSpec;
  model: RideModel;
  plc: PlcIdentity;
  rideHash: number;
  windows: WindowEvents[];
  slowState: Map<string, number>;
  lastWindowEnd: number;
}

/** Renders drops lazily, in time order (each hour, every ride), not yet zipped. */
function* iterateDropParts(input: GenerateOptionsInput, models: RideModels): Generator<DropParts> {
  const options = parseOptions(input);
  const windows = planWindows({
    fromDate: options.from,
    fromHour: options.fromHour,
    hours: options.hours,
    timeZone: options.timezone,
  });
  const powered = windows.filter((w) => w.powered);
  const rare = planRareEvents(options, powered, createRandom(options.seed, 0x5eed));
  const plans: RidePlan[] = options.rides.map((ride) => {
    const model = findRideModel(models, ride.model);
    const rideHash = hashString(ride.id);
    return {
      ride,
      model,
      plc: plcFor(ride, model, options.seed),
      rideHash,
      windows: simulateRide({
        model,
        windows,
        timeZone: options.timezone,
        opening: DEFAULT_OPENING_HOURS,
        // Keyed by the start date too, so two different days never repeat each other.
        random: createRandom(options.seed, rideHash, hashString(options.from), options.fromHour),
        counterResetAt: rare.counterResetAt.get(ride.id) ?? null,
        longFaultsAt: rare.longFaultsAt.get(ride.id) ?? [],
      }),
      slowState: new Map(),
      lastWindowEnd: Number.NaN,
    };
  });

  for (const [index, window] of powered.entries()) {
    for (const plan of plans) {
      const events = plan.windows[index];
      if (!events) continue;
      // After a night switched off, slow channels (temperatures) start again from idle.
      if (plan.lastWindowEnd !== window.start) plan.slowState.clear();
      plan.lastWindowEnd = window.end;
      const telemetry = plan.model.channels.map((channel, ci) => {
        const rendered = renderTelemetry({
          channel,
          rateHz: options.rateHz,
          windowStart: window.start,
          windowEnd: window.end,
          cycles: events.cycles,
          excursions: events.excursions,
          gaps: events.gaps,
          random: createRandom(options.seed, plan.rideHash, window.start / HOUR, 1000 + ci),
          ...(plan.slowState.has(channel.channel)
            ? { startValue: plan.slowState.get(channel.channel) }
            : {}),
        });
        plan.slowState.set(channel.channel, rendered.endValue);
        return { channel: channel.channel, json: rendered.json };
      });
      const sequence = options.sequenceStart + index;
      const { header, entries } = windowDropParts({
        park: options.park,
        ride: plan.ride.id,
        model: plan.model,
        plc: plan.plc,
        timeZone: options.timezone,
        sequence,
        events,
        telemetry,
      });
      yield {
        header,
        entries,
        ride: plan.ride.id,
        model: plan.model.id,
        sequence,
        cycles: events.cycles.length,
        alarms: events.alarms.length,
      };
    }
  }
}

function facts(p: DropParts): DropFacts {
  return { ride: p.ride, model: p.model, sequence: p.sequence, cycles: p.cycles, alarms: p.alarms };
}

/**
 * Generates drops lazily, in time order (each hour, every ride), so a caller can handle them as
 * they come without holding a day of data in memory. Same options, same bytes.
 */
export function* iterateDrops(
  input: GenerateOptionsInput,
  models: RideModels = loadRideModels(),
): Generator<GeneratedDrop> {
  for (const parts of iterateDropParts(input, models)) {
    yield {
      ...writeDropZip(parts.header, parts.entries, { level: DROP_ZIP_LEVEL }),
      ...facts(parts),
    };
  }
}

/** Generates every drop of the options into memory (for tests and small periods). */
export function generateDrops(input: GenerateOptionsInput, models?: RideModels): GeneratedDrop[] {
  return [...iterateDrops(input, models)];
}

/** What {@link writeDrops} wrote for one ride. */
export interface RideSummary {
  ride: string;
  model: string;
  drops: number;
  cycles: number;
  alarms: number;
  bytes: number;
}

/**
 * Generates the drops and writes each into `outDir` under its canonical name. Each file is
 * written under a temporary name and renamed, so a gateway never serves a half-written drop.
 * While one drop is compressed on the thread pool the next one is rendered, which uses both
 * cores of a small machine; the bytes are the same as {@link generateDrops} gives.
 */
export async function writeDrops(
  input: GenerateOptionsInput,
  outDir: string,
  models: RideModels = loadRideModels(),
): Promise<RideSummary[]> {
  mkdirSync(outDir, { recursive: true });
  const summaries = new Map<string, RideSummary>();
  for (const ride of parseOptions(input).rides) {
    summaries.set(ride.id, {
      ride: ride.id,
      model: ride.model,
      drops: 0,
      cycles: 0,
      alarms: 0,
      bytes: 0,
    });
  }
  const save = (drop: WrittenDrop, f: DropFacts): void => {
    const target = join(outDir, drop.fileName);
    writeFileSync(`${target}.part`, drop.zip);
    renameSync(`${target}.part`, target);
    const s = summaries.get(f.ride);
    if (s) {
      s.drops += 1;
      s.cycles += f.cycles;
      s.alarms += f.alarms;
      s.bytes += drop.zip.length;
    }
  };
  let inFlight: Promise<void> = Promise.resolve();
  for (const parts of iterateDropParts(input, models)) {
    const next = writeDropZipAsync(parts.header, parts.entries, { level: DROP_ZIP_LEVEL }).then(
      (drop) => save(drop, facts(parts)),
    );
    // Marks the rejection as handled until it is awaited below, after the next render.
    next.catch(() => undefined);
    await inFlight;
    inFlight = next;
  }
  await inFlight;
  return [...summaries.values()];
}

/** Options of {@link generateSmallDrop}. */
export interface SmallDropOptions {
  seed?: number;
  park?: string;
  ride?: string;
  model?: string;
  sequence?: number;
  /** Park-local date; a Saturday in June by default, so the ride is busy. */
  date?: string;
  /** Park-local hour of the window, within opening hours. */
  hour?: number;
  rateHz?: number;
}

/**
 * One small, valid drop for other tests: one ride, one busy afternoon hour, 1 Hz telemetry
 * (about 50 KB zipped), no rare events. Tens of milliseconds to make.
 */
export function generateSmallDrop(opts: SmallDropOptions = {}, models?: RideModels): GeneratedDrop {
  const [drop] = generateDrops(
    {
      park: opts.park ?? 'gardaland-demo',
      rides: [{ id: opts.ride ?? 'ride-1', model: opts.model ?? 'discovery-revolution' }],
      from: opts.date ?? '2026-06-06',
      fromHour: opts.hour ?? 15,
      hours: 1,
      seed: opts.seed ?? 1,
      rateHz: opts.rateHz ?? 1,
      sequenceStart: opts.sequence ?? 1,
      rareEvents: false,
    },
    models,
  );
  if (!drop) throw new Error('the chosen hour is outside the powered hours; pick 9–22 local');
  return drop;
}
