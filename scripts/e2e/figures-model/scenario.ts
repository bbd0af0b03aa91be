/**
 * A seeded model of how a park's gateway behaves over a day or two: generated drops of two
 * rides (realistic content from the shared generator, at a low telemetry rate) sent in rounds,
 * with every sending pattern issue 14 names: exact re-sends, re-zipped copies, revisions with
 * a new or the same sequence (cycles added/removed, an alarm cleared later, a fault added),
 * older content sent again, bad names followed by the canonical one, misaligned and future
 * windows, quarantine deletes and re-checks through the agent, alarms spanning windows and a
 * park-local midnight, cycles starting right before/after an hour boundary, a cycle id twice
 * in a drop, riders over the model's capacity. Same seed, same scenario (but for the future
 * window, which is placed after `now`).
 */
import { createHash } from 'node:crypto';
import { findRideModel, generateDrops, loadRideModels, type RideModel } from '@zra/shared';
import { createRandom, hashString, type Random } from '../../../shared/src/generator/random.ts';
import {
  cloneContent,
  iso,
  ms,
  readContent,
  rezip,
  writeContent,
  type AlarmJson,
  type CycleJson,
  type DropContent,
} from './drop-content.ts';
import { dayStart, nextDate, type ParkOpeningHours } from './oracle-calendar.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;

export type AfterBuffer = 'keep' | 'delete';

export interface RideSetup {
  id: string;
  model: string;
  afterBuffer: AfterBuffer;
}

export type WriteKind =
  | 'first'
  | 'resend'
  | 'rezip'
  | 'revision'
  | 'revision-same-seq'
  | 'older-content-again'
  | 'bad-name'
  | 'canonical-after-bad-name'
  | 'misaligned'
  | 'future';

/** A file the gateway writes (atomically, by rename) in a round. */
export interface GatewayWrite {
  kind: WriteKind;
  ride: string;
  fileName: string;
  zip: Buffer;
  note: string;
}

/** A person's action through the agent's quarantine API, before the round's writes. */
export interface AgentAction {
  kind: 'delete-quarantined' | 'recheck-quarantined';
  ride: string;
  fileName: string;
  sha256: string;
  note: string;
}

export interface Round {
  actions: AgentAction[];
  writes: GatewayWrite[];
}

export interface ReportRequest {
  label: string;
  ride: string | null;
  from: number;
  to: number;
}

export interface Scenario {
  seed: number;
  park: string;
  timezone: string;
  openingHours: ParkOpeningHours;
  rides: RideSetup[];
  dates: string[];
  rounds: Round[];
  reports: ReportRequest[];
}

export interface ScenarioOptions {
  /** Telemetry rate of the generated drops; low keeps a run fast. */
  rateHz?: number;
  /** The future window is placed hours after this. */
  now?: number;
}

interface WindowPlan {
  ride: RideSetup;
  model: RideModel;
  start: number;
  content: DropContent;
  /** Set once the content is final; the generator's own bytes when not edited. */
  zip: Buffer | null;
  fileName: string | null;
  edited: boolean;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function addDays(date: string, n: number): string {
  let d = date;
  for (let i = 0; i < n; i++) d = nextDate(d);
  return d;
}

/** Times the generator would not pick (odd milliseconds), so no two occurrences collide. */
function at(random: Random, from: number, to: number): number {
  const t = random.int(from, to - 2);
  return t % 2 === 0 ? t + 1 : t;
}

function badName(canonical: string, random: Random): string {
  const stem = canonical.replace(/\.zip$/, '');
  return random.pick([`${stem} (1).zip`, `${stem}-export.zip`, `EXPORT_${stem}.zip`]);
}

function telemetryStub(model: RideModel, start: number): { path: string; content: Buffer } {
  const ch = model.channels[0];
  if (!ch) throw new Error(`model ${model.id} has no channels`);
  const json = {
    channel: ch.channel,
    unit: ch.unit,
    rateHz: 0.1,
    start: iso(start),
    values: Array.from({ length: 360 }, () => ch.typical.idle),
  };
  return {
    path: `telemetry/${ch.channel}.json`,
    content: Buffer.from(`${JSON.stringify(json)}\n`),
  };
}

/**
 * Park zones with whole-hour offsets (the report's rule sums ride-hours whose UTC hour starts
 * in the period, which is a park-local day only where days start on a UTC hour), and the days
 * before and of their 2026 DST changes. Rome, the zone of the first seeds, half of the time.
 */
const ZONES: { timezone: string; dstWeekends: string[] }[] = [
  {
    timezone: 'Europe/Rome',
    dstWeekends: ['2026-03-28', '2026-03-29', '2026-10-24', '2026-10-25'],
  },
  // Northern America: other dates, the change at 02:00 local time.
  {
    timezone: 'America/New_York',
    dstWeekends: ['2026-03-07', '2026-03-08', '2026-10-31', '2026-11-01'],
  },
  // Southern hemisphere: summer time ends in April and starts in October.
  {
    timezone: 'Australia/Sydney',
    dstWeekends: ['2026-04-04', '2026-04-05', '2026-10-03', '2026-10-04'],
  },
  // No DST, and a park-local day that starts on the previous UTC date.
  { timezone: 'Asia/Tokyo', dstWeekends: ['2026-03-28', '2026-10-24'] },
];

function pickZone(random: Random): (typeof ZONES)[number] {
  const rome = ZONES[0];
  if (!rome) throw new Error('no zones');
  return random.chance(0.5) ? rome : random.pick(ZONES.slice(1));
}

export function generateScenario(seed: number, options: ScenarioOptions = {}): Scenario {
  const random = createRandom(seed, hashString('figures-model'));
  // From a stream of its own, so adding zones left every seed's Rome scenario as it was.
  const zone = pickZone(createRandom(seed, hashString('figures-model zone')));
  const escalation = createRandom(seed, hashString('figures-model escalation'));
  /** Windows whose warning a later drop calls a fault. */
  const escalated: WindowPlan[] = [];
  const { timezone } = zone;
  const park = `fm-${Math.abs(seed)}`;
  const models = loadRideModels();
  const first: AfterBuffer = random.chance(0.5) ? 'keep' : 'delete';
  const rides: RideSetup[] = [
    { id: 'wheel', model: 'discovery-revolution', afterBuffer: first },
    { id: 'coaster', model: 'disko-coaster', afterBuffer: first === 'keep' ? 'delete' : 'keep' },
  ];
  const modelOf = (r: RideSetup): RideModel => findRideModel(models, r.model);
  // A summer day, and part or all of the next one; sometimes the weekend of a DST change, so
  // a park-local day has 23 or 25 hours (R6).
  const day0 = random.chance(0.25)
    ? random.pick(zone.dstWeekends)
    : addDays('2026-06-01', random.int(0, 100));
  const day1 = nextDate(day0);
  const openingHours: ParkOpeningHours = random.chance(0.3)
    ? { open: '10:00', close: '22:00', days: { sun: null, mon: null } }
    : { open: '10:00', close: '22:00' };
  const base = generateDrops({
    park,
    rides: rides.map((r) => ({ id: r.id, model: r.model })),
    from: day0,
    fromHour: 0,
    hours: 24 + random.int(12, 24),
    seed,
    rateHz: options.rateHz ?? 0.5,
    timezone,
  });

  const windows: WindowPlan[] = base.map((d) => {
    const ride = rides.find((r) => r.id === d.ride);
    if (!ride) throw new Error(`generated a drop of unknown ride ${d.ride}`);
    return {
      ride,
      model: modelOf(ride),
      start: ms(d.manifest.window.start),
      content: readContent(d.zip),
      zip: d.zip,
      fileName: d.fileName,
      edited: false,
    };
  });
  let idCounter = 0;
  const freshId = (): string => `Q${Math.abs(seed)}-${++idCounter}`;
  const edit = (w: WindowPlan): DropContent => {
    w.edited = true;
    return w.content;
  };
  const ofRide = (r: RideSetup): WindowPlan[] =>
    windows.filter((w) => w.ride === r).sort((a, b) => a.start - b.start);
  const pairs = (r: RideSetup): [WindowPlan, WindowPlan][] => {
    const list = ofRide(r);
    return list.slice(1).flatMap((w1, i) => {
      const w0 = list[i];
      return w0 && w0.start + HOUR === w1.start ? [[w0, w1] as [WindowPlan, WindowPlan]] : [];
    });
  };
  const nominal = (w: WindowPlan): number => w.model.nominalCycleSeconds * 1000;

  // --- content patterns, in the drops' first versions ---
  for (const ride of rides) {
    const list = ofRide(ride);
    const rp = pairs(ride);
    // A cycle dispatched just before an hour boundary (the PLC lists it again in the next
    // drop: R3, counted in its own hour only) and one dispatched exactly on the boundary.
    for (let k = random.int(1, 2); k > 0 && rp.length > 0; k--) {
      const [w0, w1] = random.pick(rp);
      const start = w1.start - random.int(300, 3000);
      const before: CycleJson = {
        id: freshId(),
        start: iso(start),
        end: iso(start + nominal(w0)),
        mode: 'auto',
        outcome: 'completed',
        riders: random.int(1, w0.model.capacity),
      };
      edit(w0).cycles.push(before);
      edit(w1).cycles.push({ ...before });
      edit(w1).cycles.push({
        id: freshId(),
        start: iso(w1.start),
        end: iso(w1.start + nominal(w1)),
        mode: 'auto',
        outcome: random.pick(['completed', 'aborted'] as const),
        riders: random.int(1, w1.model.capacity),
      });
    }
    const busy = list.filter((w) => w.content.cycles.length > 0);
    if (busy.length > 0 && random.chance(0.6)) {
      // R3: riders above the capacity still count as reported.
      const c = random.pick(edit(random.pick(busy)).cycles);
      c.riders = modelOf(ride).capacity + random.int(1, 8);
    }
    if (busy.length > 0 && random.chance(0.5)) {
      // The same cycle written twice into one drop: counted once.
      const w = random.pick(busy);
      edit(w).cycles.push({ ...random.pick(w.content.cycles) });
    }
    const inOwnWindow = (w: WindowPlan): CycleJson[] =>
      w.content.cycles.filter((c) => ms(c.start) >= w.start && ms(c.start) < w.start + HOUR);
    const withCycles = list.filter((w) => inOwnWindow(w).length > 0);
    if (withCycles.length >= 2 && random.chance(0.4)) {
      // A cycle id used again in a later window (a PLC whose counter was reset): R4 counts
      // the id once, from the newest committed drop holding it.
      const i = random.int(0, withCycles.length - 2);
      const a = withCycles[i];
      const b = withCycles[random.int(i + 1, withCycles.length - 1)];
      if (a && b) {
        const reused = random.pick(inOwnWindow(a));
        const start = b.start + random.int(MINUTE, 50 * MINUTE);
        edit(b).cycles.push({
          ...reused,
          start: iso(start),
          end: iso(start + nominal(b)),
          riders: random.int(1, b.model.capacity),
        });
      }
    }
    const withAlarms = list.filter((w) => w.content.alarms.length > 0);
    if (withAlarms.length > 0 && random.chance(0.4)) {
      // The same alarm row written twice into one drop: one occurrence.
      const w = random.pick(withAlarms);
      edit(w).alarms.push({ ...random.pick(w.content.alarms) });
    }
    if (rp.length > 0 && random.chance(0.6)) {
      // Alarms a sloppy PLC lists in a drop whose window they are not active in (R3).
      const [w0, w1] = random.pick(rp);
      const warning = Object.entries(w0.model.alarms).find(([, a]) => a.severity === 'warning');
      if (warning) {
        const raised = at(random, w0.start + 5 * MINUTE, w0.start + 40 * MINUTE);
        const early: AlarmJson = {
          code: warning[0],
          severity: 'warning',
          raisedAt: iso(raised),
          clearedAt: iso(raised + random.int(1, 5) * MINUTE),
          cycleId: null,
        };
        edit(w0).alarms.push(early);
        edit(w1).alarms.push({ ...early }); // cleared before w1 starts
        const raised1 = at(random, w1.start + 5 * MINUTE, w1.start + 40 * MINUTE);
        const late: AlarmJson = {
          code: warning[0],
          severity: 'warning',
          raisedAt: iso(raised1),
          clearedAt: iso(raised1 + random.int(1, 5) * MINUTE),
          cycleId: null,
        };
        edit(w1).alarms.push(late);
        edit(w0).alarms.push({ ...late }); // raised after w0 ends
      }
    }
    if (rp.length > 0 && escalation.chance(0.5)) {
      // A fault the PLC lists as a warning while it runs and as a fault in the next drop: one
      // occurrence, whose newest row makes all its time downtime, in a report of the first
      // hour alone too.
      const [w0, w1] = escalation.pick(rp);
      const fault = Object.entries(w0.model.alarms).find(([, a]) => a.severity === 'fault');
      if (fault) {
        const raised = at(escalation, w0.start + 40 * MINUTE, w0.start + 55 * MINUTE);
        const row = { code: fault[0], raisedAt: iso(raised), cycleId: null };
        edit(w0).alarms.push({ ...row, severity: 'warning', clearedAt: null });
        edit(w1).alarms.push({
          ...row,
          severity: 'fault',
          clearedAt: iso(w1.start + escalation.int(2, 20) * MINUTE),
        });
        escalated.push(w0);
      }
    }
  }
  // Two night windows around the park-local midnight between the days, with a fault raised
  // before midnight and cleared after: it spans windows, days and report periods.
  const nightRide = random.pick(rides);
  const midnight = dayStart(day1, timezone);
  const template = ofRide(nightRide)[0];
  const nightHours: number[] = [];
  if (
    template &&
    !windows.some((w) => w.ride === nightRide && w.start >= midnight - HOUR && w.start <= midnight)
  ) {
    const model = modelOf(nightRide);
    const fault = Object.entries(model.alarms).find(([, a]) => a.severity === 'fault');
    if (!fault) throw new Error(`model ${model.id} has no fault alarm`);
    const raised = at(random, midnight - 50 * MINUTE, midnight - 5 * MINUTE);
    const cleared = at(random, midnight + 5 * MINUTE, midnight + 50 * MINUTE);
    for (const [i, start] of [midnight - HOUR, midnight].entries()) {
      const content: DropContent = {
        header: {
          ...structuredClone(template.content.header),
          window: { start: iso(start), end: iso(start + HOUR) },
          sequence: 5000 + i,
        },
        cycles:
          i === 0
            ? [
                {
                  id: freshId(),
                  start: iso(start + 10 * MINUTE),
                  end: iso(start + 13 * MINUTE),
                  mode: 'maintenance',
                  outcome: 'completed',
                  riders: 0,
                },
              ]
            : [],
        alarms: [
          {
            code: fault[0],
            severity: 'fault',
            raisedAt: iso(raised),
            clearedAt: i === 0 ? null : iso(cleared),
            cycleId: null,
          },
        ],
        entries: [
          { path: 'counters.json', content: Buffer.from('[]\n') },
          telemetryStub(model, start),
        ],
      };
      windows.push({
        ride: nightRide,
        model,
        start,
        content,
        zip: null,
        fileName: null,
        edited: true,
      });
      nightHours.push(start);
    }
  }
  for (const w of windows) {
    if (!w.edited && w.zip && w.fileName) continue;
    const written = writeContent(w.content);
    w.zip = written.zip;
    w.fileName = written.fileName;
  }

  // --- the sending timeline ---
  const roundCount = random.int(5, 7);
  const rounds: Round[] = Array.from({ length: roundCount }, () => ({ actions: [], writes: [] }));
  const last = roundCount - 1;
  const later = (r: number): number | null =>
    r < last ? random.int(r + 1, Math.min(last, r + 2)) : null;
  const revisedHours: { ride: string; start: number }[] = [];
  let seqCounter = 0;
  const ordered = [...windows].sort(
    (a, b) => a.start - b.start || (a.ride.id < b.ride.id ? -1 : 1),
  );
  ordered.forEach((w, i) => {
    const zip = w.zip;
    const fileName = w.fileName;
    if (!zip || !fileName) throw new Error('window without a first version');
    let r = Math.floor((i / ordered.length) * (roundCount - 2));
    if (random.chance(0.15)) r = Math.min(roundCount - 2, r + 1); // a late drop
    const ride = w.ride.id;
    const put = (
      round: number,
      kind: WriteKind,
      name: string,
      bytes: Buffer,
      note: string,
    ): void => {
      rounds[round]?.writes.push({ kind, ride, fileName: name, zip: bytes, note });
    };
    if (random.chance(0.1)) {
      // Exported under a wrong name first (R1: quarantined by name), then under its own.
      const bad = badName(fileName, random);
      put(r, 'bad-name', bad, zip, 'same bytes under a non-canonical name');
      const canonicalRound = Math.min(last, r + random.int(0, 2));
      put(
        canonicalRound,
        'canonical-after-bad-name',
        fileName,
        zip,
        'the same bytes, canonical name',
      );
      if (r < last) {
        const sha = sha256(zip);
        const recheckRound = random.int(r + 1, last);
        if (random.chance(0.4)) {
          rounds[recheckRound]?.actions.push({
            kind: 'recheck-quarantined',
            ride,
            fileName: bad,
            sha256: sha,
            note: 'a person re-checks the badly named copy',
          });
        }
        if (random.chance(0.7)) {
          rounds[random.int(recheckRound, last)]?.actions.push({
            kind: 'delete-quarantined',
            ride,
            fileName: bad,
            sha256: sha,
            note: 'a person deletes the badly named copy',
          });
        }
      }
      r = canonicalRound;
    } else {
      put(r, 'first', fileName, zip, 'first export');
    }
    let currentZip = zip;
    let currentName = fileName;
    let content = w.content;
    const usedNames = new Set([fileName]);
    const next = (): number | null => {
      const n = later(r);
      if (n !== null) r = n;
      return n;
    };
    if (random.chance(0.15)) {
      const n = next();
      if (n !== null) put(n, 'resend', currentName, currentZip, 'exact re-send');
    }
    if (random.chance(0.1)) {
      const n = next();
      if (n !== null)
        put(n, 'rezip', currentName, rezip(currentZip), 're-zipped copy, same entries');
    }
    for (let rev = 0; rev < 2 && random.chance(rev === 0 ? 0.2 : 0.35); rev++) {
      const n = next();
      if (n === null) break;
      const sameSeq = random.chance(0.35);
      const revised = cloneContent(content);
      const what = mutate(revised, w, random, freshId);
      if (!sameSeq) {
        const seq = content.header.sequence;
        let candidate = random.chance(0.2) && seq > 0 ? seq - 1 : 1000 + ++seqCounter;
        revised.header.sequence = candidate;
        while (usedNames.has(writeContent(revised).fileName)) {
          candidate = 1000 + ++seqCounter;
          revised.header.sequence = candidate;
        }
      }
      const written = writeContent(revised);
      const older = { zip: currentZip, name: currentName };
      put(
        n,
        sameSeq ? 'revision-same-seq' : 'revision',
        written.fileName,
        written.zip,
        `${sameSeq ? 'revision, same sequence' : `revision, sequence ${revised.header.sequence}`}: ${what}`,
      );
      usedNames.add(written.fileName);
      revisedHours.push({ ride, start: w.start });
      content = revised;
      currentZip = written.zip;
      currentName = written.fileName;
      if (random.chance(0.35)) {
        const m = next();
        if (m !== null)
          put(m, 'older-content-again', older.name, older.zip, 'the older version sent again');
      }
    }
  });

  // Misaligned windows (R2: rejected) and a window in the future (R3: rejected).
  const misalignedCount = random.int(0, 2);
  for (let k = 0; k < misalignedCount; k++) {
    const w = random.pick(windows.filter((x) => x.content.cycles.length > 0));
    const c = cloneContent(w.content);
    c.header.window = { start: iso(w.start + 30 * MINUTE), end: iso(w.start + 90 * MINUTE) };
    c.header.sequence = 2000 + k;
    const written = writeContent(c);
    const round = random.int(0, last);
    rounds[round]?.writes.push({
      kind: 'misaligned',
      ride: w.ride.id,
      fileName: written.fileName,
      zip: written.zip,
      note: 'window shifted by 30 minutes',
    });
    quarantineActions(rounds, round, w.ride.id, written, random, 'the misaligned drop');
  }
  if (random.chance(0.6)) {
    const w = random.pick(windows);
    const c = cloneContent(w.content);
    const start = Math.ceil(((options.now ?? Date.now()) + 3 * HOUR) / HOUR) * HOUR;
    c.header.window = { start: iso(start), end: iso(start + HOUR) };
    c.header.sequence = 9000;
    const written = writeContent(c);
    const round = random.int(0, last);
    rounds[round]?.writes.push({
      kind: 'future',
      ride: w.ride.id,
      fileName: written.fileName,
      zip: written.zip,
      note: 'window starts in the future (PLC clock wrong)',
    });
    quarantineActions(rounds, round, w.ride.id, written, random, 'the future-window drop');
  }

  // --- reports ---
  const from = dayStart(day0, timezone);
  const to = dayStart(addDays(day1, 1), timezone);
  const reports: ReportRequest[] = [
    ...rides.map((r) => ({ label: `ride ${r.id}, whole span`, ride: r.id, from, to })),
    { label: 'park, whole span', ride: null, from, to },
    { label: `park, day ${day0}`, ride: null, from, to: midnight },
    { label: `park, day ${day1}`, ride: null, from: midnight, to },
  ];
  const nightHour = nightHours[1];
  if (nightHour !== undefined) {
    reports.push({
      label: `ride ${nightRide.id}, hour after midnight (a fault raised before it)`,
      ride: nightRide.id,
      from: nightHour,
      to: nightHour + HOUR,
    });
  }
  const revised = revisedHours[0];
  if (revised) {
    reports.push({
      label: `ride ${revised.ride}, a revised hour`,
      ride: revised.ride,
      from: revised.start,
      to: revised.start + HOUR,
    });
  }
  const longFault = windows.find((w) =>
    w.content.alarms.some(
      (a) => (a.severity === 'fault' || a.severity === 'critical') && ms(a.raisedAt) < w.start,
    ),
  );
  const warned = escalated[0];
  if (warned) {
    reports.push({
      label: `ride ${warned.ride.id}, an hour whose warning the next drop calls a fault`,
      ride: warned.ride.id,
      from: warned.start,
      to: warned.start + HOUR,
    });
  }
  if (longFault && longFault.start !== nightHour) {
    reports.push({
      label: `ride ${longFault.ride.id}, an hour entered by a running fault`,
      ride: longFault.ride.id,
      from: longFault.start,
      to: longFault.start + HOUR,
    });
  }
  return {
    seed,
    park,
    timezone,
    openingHours,
    rides,
    dates: [day0, day1],
    rounds,
    reports,
  };
}

function quarantineActions(
  rounds: Round[],
  round: number,
  ride: string,
  written: { fileName: string; zip: Buffer },
  random: Random,
  what: string,
): void {
  const lastRound = rounds.length - 1;
  if (round >= lastRound) return;
  const sha = sha256(written.zip);
  const recheckRound = random.int(round + 1, lastRound);
  if (random.chance(0.5)) {
    rounds[recheckRound]?.actions.push({
      kind: 'recheck-quarantined',
      ride,
      fileName: written.fileName,
      sha256: sha,
      note: `a person re-checks ${what}`,
    });
  }
  if (random.chance(0.3)) {
    rounds[random.int(recheckRound, lastRound)]?.actions.push({
      kind: 'delete-quarantined',
      ride,
      fileName: written.fileName,
      sha256: sha,
      note: `a person deletes ${what}`,
    });
  }
}

/** Changes a window's content the way a PLC re-export would; says what changed. */
function mutate(
  c: DropContent,
  w: { start: number; model: RideModel },
  random: Random,
  freshId: () => string,
): string {
  const ws = w.start;
  const we = w.start + HOUR;
  const inWindow = (): CycleJson[] => c.cycles.filter((x) => ms(x.start) >= ws && ms(x.start) < we);
  const changes: string[] = [];
  const options = [
    'add-cycle',
    'remove-cycle',
    'riders',
    'outcome',
    'add-fault',
    'clear-later',
    'remove-warning',
  ];
  for (let tries = 0; changes.length < 1 || (changes.length < 2 && tries < 3); tries++) {
    const kind = random.pick(options);
    const cycles = inWindow();
    if (kind === 'add-cycle') {
      const start = ws + random.int(MINUTE, 55 * MINUTE);
      const id = freshId();
      c.cycles.push({
        id,
        start: iso(start),
        end: iso(start + w.model.nominalCycleSeconds * 1000),
        mode: 'auto',
        outcome: random.pick(['completed', 'aborted', 'estop'] as const),
        riders: random.int(1, w.model.capacity),
      });
      changes.push(`added cycle ${id}`);
    } else if (kind === 'remove-cycle' && cycles.length > 0) {
      const gone = random.pick(cycles);
      c.cycles = c.cycles.filter((x) => x.id !== gone.id);
      changes.push(`removed cycle ${gone.id}`);
    } else if (kind === 'riders' && cycles.length > 0) {
      const x = random.pick(cycles);
      const before = x.riders;
      x.riders = (before + random.int(1, w.model.capacity - 1)) % (w.model.capacity + 1);
      for (const y of c.cycles) if (y.id === x.id) y.riders = x.riders;
      changes.push(`riders of ${x.id} ${before} → ${x.riders}`);
    } else if (kind === 'outcome' && cycles.length > 0) {
      const x = random.pick(cycles);
      const before = x.outcome;
      x.outcome = before === 'completed' ? 'aborted' : 'completed';
      for (const y of c.cycles) if (y.id === x.id) y.outcome = x.outcome;
      changes.push(`outcome of ${x.id} ${before} → ${x.outcome}`);
    } else if (kind === 'add-fault') {
      const fault = Object.entries(w.model.alarms).find(([, a]) => a.severity === 'fault');
      if (!fault) continue;
      const raised = at(random, ws + MINUTE, ws + 50 * MINUTE);
      c.alarms.push({
        code: fault[0],
        severity: 'fault',
        raisedAt: iso(raised),
        clearedAt: iso(Math.min(raised + random.int(2, 20) * MINUTE, we - 1000)),
        cycleId: null,
      });
      changes.push(`added fault ${fault[0]} at ${iso(raised)}`);
    } else if (kind === 'clear-later') {
      const candidates = c.alarms.filter(
        (a) =>
          a.clearedAt !== null &&
          ms(a.raisedAt) >= ws &&
          ms(a.clearedAt) >= ws &&
          ms(a.clearedAt) < we - 2 * MINUTE,
      );
      if (candidates.length === 0) continue;
      const a = random.pick(candidates);
      const before = a.clearedAt ?? '';
      a.clearedAt = iso(Math.min(ms(before) + random.int(1, 15) * MINUTE, we - 1000));
      changes.push(`${a.code} raised ${a.raisedAt} cleared later (${before} → ${a.clearedAt})`);
    } else if (kind === 'remove-warning') {
      const candidates = c.alarms.filter((a) => a.severity === 'warning' || a.severity === 'info');
      if (candidates.length === 0) continue;
      const gone = random.pick(candidates);
      c.alarms = c.alarms.filter((a) => a !== gone);
      changes.push(`removed ${gone.code} raised ${gone.raisedAt}`);
    }
  }
  return changes.join('; ');
}
