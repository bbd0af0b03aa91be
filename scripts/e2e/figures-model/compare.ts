/**
 * Compares what the system produced with the oracle and says, for people, what differs,
 * where, and which rule of issue 14 the difference breaks.
 *
 * Counts must match exactly. Durations and ratios match within 1e-5 relative: the contracts
 * round every stored and reported float to 6 significant digits (up to 5e-6 relative each
 * time, and a figure goes through two roundings), so 1e-6 would fail correct output.
 */
import type { ExpectedReport, ReportScope } from './oracle-report.ts';
import { windowKey, type OracleModel, type RideHour } from './oracle.ts';
import type { CentralInput, Summary } from './report-outputs.ts';

export type Rule = 'R1' | 'R2' | 'R3' | 'R4' | 'R5' | 'no loss';

export interface Finding {
  seed: number;
  rules: Rule[];
  where: string;
  lines: string[];
}

const REL = 1e-5;

export function near(expected: number, got: number): boolean {
  return Math.abs(expected - got) <= REL * Math.max(Math.abs(expected), Math.abs(got)) + 1e-9;
}

export const show = (v: number | null): string =>
  v === null ? 'null' : Number.isInteger(v) ? String(v) : v.toPrecision(8);

export const instant = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');

export function nullableNear(e: number | null, g: number | null): boolean {
  return e === null || g === null ? e === g : near(e, g);
}

/** Every figure of the summary that differs from the oracle, one line each. */
export function compareSummary(
  exp: ExpectedReport,
  got: Summary,
  severities: Map<string, string>,
): { mismatches: string[]; compared: number } {
  const out: string[] = [];
  let compared = 0;
  const exact = (name: string, e: number, g: number): void => {
    compared++;
    if (e !== g) out.push(`${name}: expected ${e}, got ${g}`);
  };
  const approx = (name: string, e: number | null, g: number | null): void => {
    compared++;
    if (!nullableNear(e, g)) out.push(`${name}: expected ${show(e)}, got ${show(g)}`);
  };
  exact('cycles', exp.cycles, got.cycles);
  exact('riders', exp.riders, got.riders);
  approx('availability', exp.availability, got.availability);
  exact('hoursWithData', exp.hoursWithData, got.hoursWithData);
  exact('failures (fault/critical occurrences active in the period)', exp.failures, got.failures);
  approx('operatingS', exp.operatingS, got.operatingS);
  approx('mtbfS', exp.mtbfS, got.mtbfS);
  approx('mttrS', exp.mttrS, got.mttrS);

  const codes = new Map(exp.alarmCodes.map((a) => [a.code, a]));
  const byCount = [...exp.alarmCodes].sort(
    (a, b) => b.count - a.count || b.downtimeS - a.downtimeS || (a.code < b.code ? -1 : 1),
  );
  const byDowntime = exp.alarmCodes
    .filter((a) => a.downtimeS > 0)
    .sort((a, b) => b.downtimeS - a.downtimeS || b.count - a.count || (a.code < b.code ? -1 : 1));
  const list = (
    name: string,
    expected: typeof byCount,
    shown: Summary['topAlarms'],
    key: (a: { count: number; downtimeS: number }) => [number, number],
  ): void => {
    for (const g of shown) {
      compared += 2;
      const e = codes.get(g.code);
      if (!e) {
        out.push(
          `${name} lists ${g.code} (count ${g.count}, downtime ${show(g.downtimeS)} s), which has no occurrence active in the period`,
        );
        continue;
      }
      if (!expected.some((x) => x.code === g.code)) {
        const sev = severities.get(g.code) ?? '?';
        out.push(
          `${name} lists ${g.code} (${sev}, downtime ${show(g.downtimeS)} s), which has no downtime in the period` +
            (sev === 'warning' || sev === 'info' ? ` (a ${sev} alarm carries none)` : ''),
        );
        continue;
      }
      if (e.count !== g.count) {
        out.push(`${name} ${g.code} count: expected ${e.count}, got ${g.count}`);
      }
      if (!near(e.downtimeS, g.downtimeS)) {
        const sev = severities.get(g.code) ?? '?';
        out.push(
          `${name} ${g.code} (${sev}) downtimeS: expected ${show(e.downtimeS)}, got ${show(g.downtimeS)}` +
            (e.downtimeS === 0 && g.downtimeS > 0 ? ` (a ${sev} alarm carries no downtime)` : ''),
        );
      }
    }
    const limit = Math.min(10, expected.length);
    const lastShown = shown.at(-1);
    for (const e of expected) {
      if (shown.some((g) => g.code === e.code)) continue;
      const [a, b] = key(e);
      const [la, lb] = lastShown ? key(lastShown) : [-1, -1];
      if (shown.length < limit || a > la || (a === la && b > lb + 1e-6)) {
        out.push(
          `${name} leaves out ${e.code} (count ${e.count}, downtime ${show(e.downtimeS)} s)`,
        );
      }
    }
  };
  list('topAlarms', byCount, got.topAlarms, (a) => [a.count, a.downtimeS]);
  list('topAlarmsByDowntime', byDowntime, got.topAlarmsByDowntime, (a) => [a.downtimeS, a.count]);

  for (const e of exp.days) {
    const g = got.days.find((d) => d.date === e.date);
    if (!g) {
      out.push(`days: ${e.date} is missing`);
      continue;
    }
    exact(`days[${e.date}].cycles`, e.cycles, g.cycles);
    exact(`days[${e.date}].riders`, e.riders, g.riders);
    approx(`days[${e.date}].availability`, e.availability, g.availability);
    approx(`days[${e.date}].completeness`, e.completeness, g.completeness);
    if (e.closed !== g.closed)
      out.push(`days[${e.date}].closed: expected ${e.closed}, got ${g.closed}`);
  }
  for (const g of got.days) {
    if (!exp.days.some((d) => d.date === g.date))
      out.push(`days: ${g.date} is not a day of the period`);
  }
  const c = exp.completeness;
  approx('completeness.rideHoursWithData', c.rideHoursWithData, got.completeness.rideHoursWithData);
  approx('completeness.rideHoursExpected', c.rideHoursExpected, got.completeness.rideHoursExpected);
  approx(
    'completeness.rideHoursOutsideOpening',
    c.rideHoursOutsideOpening,
    got.completeness.rideHoursOutsideOpening,
  );
  approx('completeness.ratio', c.ratio, got.completeness.ratio);
  return { mismatches: out, compared };
}

/** What central's report input says differently from the oracle, with the rule behind it. */
export interface Diagnosis {
  lines: string[];
  rules: Set<Rule>;
  /** The outcome counts the summary does not carry, compared on the input. */
  outcomeLines: string[];
}

function rideHourLine(
  label: string,
  e: RideHour | undefined,
  g: CentralInput['hourly'][number] | undefined,
): string {
  const fig = (
    x:
      | {
          cycles: number;
          riders: number;
          completed: number;
          aborted: number;
          estop: number;
          availability: number;
        }
      | undefined,
  ): string =>
    x
      ? `cycles ${x.cycles}, riders ${x.riders}, completed/aborted/estop ${x.completed}/${x.aborted}/${x.estop}, availability ${show(x.availability)}`
      : 'no row';
  return `${label}: expected ${fig(e)}; central has ${fig(g)}`;
}

export function diagnose(
  model: OracleModel,
  scope: ReportScope,
  exp: ExpectedReport,
  input: CentralInput,
  liveProblems: Map<string, Rule>,
): Diagnosis {
  const lines: string[] = [];
  const rules = new Set<Rule>();
  const inScope = (ride: string, t: number): boolean =>
    (scope.ride === null || ride === scope.ride) && t >= scope.from && t < scope.to;

  const expectedRows = new Map<string, RideHour>();
  for (const r of model.rows)
    if (inScope(r.ride, r.hourStart)) expectedRows.set(windowKey(r.ride, r.hourStart), r);
  const gotRows = new Map<string, CentralInput['hourly'][number]>();
  for (const r of input.hourly) gotRows.set(windowKey(r.ride, Date.parse(r.hourStart)), r);
  for (const key of new Set([...expectedRows.keys(), ...gotRows.keys()])) {
    const e = expectedRows.get(key);
    const g = gotRows.get(key);
    const same =
      e &&
      g &&
      e.cycles === g.cycles &&
      e.riders === g.riders &&
      e.completed === g.completed &&
      e.aborted === g.aborted &&
      e.estop === g.estop &&
      near(e.availability, g.availability);
    if (same) continue;
    const [ride, hour] = key.split('@') as [string, string];
    const start = Number(hour);
    let rule: Rule = 'R4';
    const live = liveProblems.get(key);
    if (live) rule = live;
    else if ((model.strayCycles.get(key) ?? 0) > 0) {
      // A drop lists a cycle that started outside its window (R3): counted, it lands here.
      rule = 'R3';
    } else if (e && !g) rule = 'no loss';
    rules.add(rule);
    lines.push(`[${rule}] ${rideHourLine(`ride-hour ${ride} ${instant(start)}`, e, g)}`);
    for (const h of model.history.get(key) ?? ['(the gateway sent nothing for this hour)'])
      lines.push(`    ${h}`);
  }

  const expOcc = new Map(exp.occurrences.map((o) => [`${o.ride}|${o.code}|${o.raisedAt}`, o]));
  const gotOcc = new Map(
    input.alarms.map((a) => [`${a.ride}|${a.code}|${Date.parse(a.raisedAt)}`, a]),
  );
  for (const key of new Set([...expOcc.keys(), ...gotOcc.keys()])) {
    const e = expOcc.get(key);
    const g = gotOcc.get(key);
    if (e && g && near(e.inPeriodS, g.durationS)) continue;
    const [ride, code, raised] = key.split('|') as [string, string, string];
    const raisedAt = Number(raised);
    let rule: Rule;
    let why: string;
    if (e && !g) {
      rule = raisedAt < scope.from ? 'R5' : 'R4';
      why =
        raisedAt < scope.from
          ? 'raised before the period but active in it: must be listed'
          : 'active in the period but not listed';
    } else if (!e && g) {
      const occ = model.occurrences.find(
        (o) => o.ride === ride && o.code === code && o.raisedAt === raisedAt,
      );
      rule = occ ? 'R4' : 'R3';
      why = occ
        ? 'listed although not active in the period'
        : 'no live drop lists it as active in its window';
    } else {
      rule = 'R5';
      why =
        'time in the period differs (clip each row to its window, union, intersect with the period)';
    }
    rules.add(rule);
    lines.push(
      `[${rule}] alarm ${ride} ${code} raised ${instant(raisedAt)}: expected ${e ? `${show(e.inPeriodS)} s in the period` : 'not listed'}, ` +
        `central lists ${g ? `${show(g.durationS)} s` : 'nothing'} — ${why}`,
    );
  }

  const sum = (k: 'completed' | 'aborted' | 'estop'): number =>
    input.hourly.reduce((s, r) => s + r[k], 0);
  const outcomeLines: string[] = [];
  for (const k of ['completed', 'aborted', 'estop'] as const) {
    if (sum(k) !== exp[k])
      outcomeLines.push(`${k} (report input): expected ${exp[k]}, got ${sum(k)}`);
  }
  return { lines, rules, outcomeLines };
}
