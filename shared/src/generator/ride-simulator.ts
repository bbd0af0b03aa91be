import type { AlarmSeverity, CycleMode, CycleOutcome } from '../drop/entries.ts';
import type { RideModel, RideModelChannel } from '../ride-model/ride-model.ts';
import { localHourOf } from '../time/local-time.ts';
import { demandAt, isOpen, type OpeningHours, type PlannedWindow } from './park-plan.ts';
import type { Random } from './random.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const QUARTER = 15 * MINUTE;

/** A simulated cycle; times are epoch milliseconds. */
export interface SimCycle {
  id: string;
  start: number;
  end: number;
  mode: CycleMode;
  outcome: CycleOutcome;
  riders: number;
}

/** A simulated alarm; `clearedAt` null means still active when the simulation ended. */
export interface SimAlarm {
  code: string;
  severity: AlarmSeverity;
  raisedAt: number;
  clearedAt: number | null;
  cycleId: string | null;
}

/** A stretch where one channel reads far from normal, e.g. the overcurrent before a fault. */
export interface Excursion {
  channel: string;
  from: number;
  to: number;
  value: number;
}

/** A stretch the PLC did not record: one channel, or all of them when `channel` is null. */
export interface TelemetryGap {
  channel: string | null;
  from: number;
  to: number;
}

/** Lifetime counters at an instant. */
export interface SimCounters {
  at: number;
  operatingHours: number;
  cycleCounter: number;
  powerOnHours: number;
}

/** Everything that happened to a ride during one powered window. */
export interface WindowEvents {
  window: PlannedWindow;
  cycles: SimCycle[];
  alarms: SimAlarm[];
  counters: SimCounters[];
  excursions: Excursion[];
  gaps: TelemetryGap[];
}

/** Inputs of {@link simulateRide}. */
export interface RideSimulation {
  model: RideModel;
  /** All windows of the period in order; only powered ones produce events. */
  windows: readonly PlannedWindow[];
  timeZone: string;
  opening: OpeningHours;
  random: Random;
  /** When the PLC's cycle counter is reset (maintenance swapped the CPU), if at all. */
  counterResetAt: number | null;
  /** Start times of long faults that keep the ride down across a window boundary. */
  longFaultsAt: readonly number[];
}

// Per-cycle odds, tuned so a ride-day shows a few faults, an e-stop and a handful of warnings.
const P_FAULT = 0.008;
const P_ESTOP = 0.004;
const P_WARNING = 0.03;
const P_MANUAL = 0.03;

/** The channel an alarm is about: same component, preferring the quantity its text names. */
export function channelForAlarm(
  model: RideModel,
  component: string,
  text: string,
): RideModelChannel | undefined {
  const candidates = model.channels.filter((c) => c.channel.startsWith(`${component}.`));
  const lower = text.toLowerCase();
  const named = candidates.find((c) => {
    const quantity = c.channel.split('.')[1] ?? '';
    return quantity.split('_').some((word) => word.length > 3 && lower.includes(word.slice(0, 5)));
  });
  return named ?? candidates[0];
}

/**
 * A value just past the channel's threshold, so the excursion is a visible breach: below the
 * minimum for alarms about something low ("Brake pressure low"), above the maximum otherwise.
 */
function breachValue(channel: RideModelChannel, alarmText: string, margin: number): number {
  const { min, max } = channel.threshold;
  const low = /\blow\b/i.test(alarmText);
  if (min !== undefined && (low || max === undefined)) return min * (1 - margin);
  if (max !== undefined) return max * (1 + margin);
  return channel.typical.running * (1 + margin);
}

function alarmCodes(model: RideModel, severities: readonly AlarmSeverity[]): string[] {
  return Object.entries(model.alarms)
    .filter(([, a]) => severities.includes(a.severity))
    .map(([code]) => code)
    .sort();
}

function initialCounters(model: RideModel, random: Random): Omit<SimCounters, 'at'> {
  const powerOnHours = Math.round(random.between(6000, 20000) * 100) / 100;
  const operatingHours = Math.round(powerOnHours * random.between(0.55, 0.7) * 100) / 100;
  const cycleCounter = Math.floor(((operatingHours * 3600) / model.nominalCycleSeconds) * 0.95);
  return { operatingHours, cycleCounter, powerOnHours };
}

/**
 * Simulates one ride over the whole period, so faults, downtime and counters carry across
 * windows, and returns what each powered window saw. Cycles never cross a window boundary;
 * alarms appear in every window they are active in, with `clearedAt` null while still active at
 * that window's end.
 */
export function simulateRide(sim: RideSimulation): WindowEvents[] {
  const { model, random, timeZone, opening } = sim;
  const faultCodes = alarmCodes(model, ['fault', 'critical']);
  const estopCodes = alarmCodes(model, ['info']);
  const warningCodes = alarmCodes(model, ['warning']);
  const counters = initialCounters(model, random);
  const alarms: SimAlarm[] = [];
  const out: WindowEvents[] = [];
  const pendingLongFaults = [...sim.longFaultsAt].sort((a, b) => a - b);
  let resetAt = sim.counterResetAt;
  let downUntil = 0;
  let poweredHours = 0;

  const excursionFor = (
    code: string,
    at: number,
    seconds: number,
    margin: number,
  ): Excursion | null => {
    const def = model.alarms[code];
    if (!def) return null;
    const channel = channelForAlarm(model, def.component, def.text.en);
    if (!channel) return null;
    return {
      channel: channel.channel,
      from: at - seconds * SECOND,
      to: at + SECOND,
      value: breachValue(channel, def.text.en, margin),
    };
  };

  for (const window of sim.windows) {
    if (!window.powered) continue;
    const events: WindowEvents = {
      window,
      cycles: [],
      alarms: [],
      counters: [],
      excursions: [],
      gaps: [],
    };
    let quarter = 0;
    const snapshotsUpTo = (time: number): void => {
      for (; quarter < 4 && window.start + quarter * QUARTER <= time; quarter++) {
        const at = window.start + quarter * QUARTER;
        events.counters.push({
          at,
          operatingHours: counters.operatingHours,
          cycleCounter: counters.cycleCounter,
          powerOnHours: counters.powerOnHours + poweredHours + (at - window.start) / HOUR,
        });
      }
    };
    const applyResetUpTo = (time: number): void => {
      if (resetAt !== null && resetAt <= time && resetAt >= window.start) {
        snapshotsUpTo(resetAt);
        counters.cycleCounter = 0;
        resetAt = null;
      }
    };

    let t = window.start;
    while (t < window.end) {
      applyResetUpTo(t);
      const nextLong = pendingLongFaults[0];
      if (nextLong !== undefined && nextLong <= t) {
        pendingLongFaults.shift();
        if (isOpen(t, timeZone, opening) && faultCodes.length > 0) {
          // A fault found between cycles that needs a technician: the ride stays down a while.
          const code = random.pick(faultCodes);
          const down = random.between(50, 80) * MINUTE;
          const def = model.alarms[code];
          alarms.push({
            code,
            severity: def?.severity ?? 'fault',
            raisedAt: t,
            clearedAt: t + down,
            cycleId: null,
          });
          const exc = excursionFor(code, t, 4, 0.08);
          if (exc) events.excursions.push(exc);
          downUntil = Math.max(downUntil, t + down);
        }
        continue;
      }
      if (t < downUntil) {
        t = Math.min(downUntil, window.end);
        continue;
      }
      if (!isOpen(t, timeZone, opening)) {
        // Before opening, wait for the gates (zones with half-hour offsets open mid-window).
        const h = localHourOf(t, timeZone);
        t =
          h < opening.open
            ? Math.min(window.end, t + Math.ceil((opening.open - h) * HOUR))
            : window.end;
        continue;
      }
      const demand = demandAt(t, timeZone);
      // Loading takes longer when the queue is short: operators wait to fill the seats.
      const wait = (30 + (1 - demand) * 240) * random.between(0.6, 1.4) * SECOND;
      const start = Math.round(t + wait);
      const nominal = model.nominalCycleSeconds * SECOND;
      const duration = Math.round(nominal * (1 + 0.03 * random.normal()));
      if (!isOpen(start, timeZone, opening) || start + nominal * 1.15 > window.end - SECOND) {
        // The next dispatch belongs to the next window (or the park has closed).
        t = window.end;
        break;
      }
      applyResetUpTo(start);
      snapshotsUpTo(start);
      counters.cycleCounter += 1;
      const id = `C${counters.cycleCounter}`;
      const mode: CycleMode = random.chance(P_MANUAL) ? 'manual' : 'auto';
      const fill = (0.25 + 0.75 * demand) * random.between(0.8, 1.1);
      const riders = Math.max(1, Math.min(model.capacity, Math.round(model.capacity * fill)));
      let end = start + duration;
      let outcome: CycleOutcome = 'completed';
      const roll = random.float();
      if (roll < P_FAULT && faultCodes.length > 0) {
        const code = random.pick(faultCodes);
        const severity = model.alarms[code]?.severity ?? 'fault';
        const raisedAt = Math.round(start + duration * random.between(0.2, 0.9));
        const down = Math.round(random.between(4, 30) * MINUTE);
        end = raisedAt + Math.round(random.between(2, 6) * SECOND);
        outcome = severity === 'critical' ? 'estop' : 'aborted';
        alarms.push({ code, severity, raisedAt, clearedAt: raisedAt + down, cycleId: id });
        const exc = excursionFor(code, raisedAt, 3, 0.08);
        if (exc) events.excursions.push(exc);
        downUntil = raisedAt + down;
      } else if (roll < P_FAULT + P_ESTOP && estopCodes.length > 0) {
        const code = random.pick(estopCodes);
        const raisedAt = Math.round(start + duration * random.between(0.1, 0.9));
        const down = Math.round(random.between(1, 4) * MINUTE);
        end = raisedAt + Math.round(random.between(1, 3) * SECOND);
        outcome = 'estop';
        alarms.push({ code, severity: 'info', raisedAt, clearedAt: raisedAt + down, cycleId: id });
        downUntil = raisedAt + down;
      } else if (roll < P_FAULT + P_ESTOP + P_WARNING && warningCodes.length > 0) {
        const code = random.pick(warningCodes);
        const raisedAt = Math.round(start + duration * random.between(0.2, 0.8));
        const clearedAt = raisedAt + Math.round(random.between(15, 360) * SECOND);
        alarms.push({ code, severity: 'warning', raisedAt, clearedAt, cycleId: id });
        const exc = excursionFor(code, raisedAt, 2, 0.03);
        if (exc) events.excursions.push(exc);
      }
      counters.operatingHours += (end - start) / HOUR;
      events.cycles.push({ id, start, end, mode, outcome, riders });
      t = end;
    }
    applyResetUpTo(window.end - 1);
    snapshotsUpTo(window.end - 1);
    poweredHours += 1;

    // Telemetry gaps: a flaky field bus drops one channel, a PLC hiccup drops all of them.
    if (random.chance(0.15)) {
      const from = Math.round(window.start + random.float() * (HOUR - MINUTE));
      const long = random.chance(0.2);
      const seconds = long ? random.between(120, 600) : random.between(1, 45);
      const channel = random.chance(0.5) ? null : random.pick(model.channels).channel;
      events.gaps.push({ channel, from, to: Math.min(window.end, from + seconds * SECOND) });
    }
    out.push(events);
  }

  for (const events of out) {
    const { start, end } = events.window;
    events.alarms = alarms
      .filter((a) => a.raisedAt < end && (a.clearedAt === null || a.clearedAt >= start))
      .map((a) => ({
        ...a,
        clearedAt: a.clearedAt !== null && a.clearedAt <= end ? a.clearedAt : null,
      }))
      .sort((a, b) => a.raisedAt - b.raisedAt || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  }
  return out;
}
