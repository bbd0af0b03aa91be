/**
 * The independent oracle, part 1: from every file the gateway offered (in the order central
 * commits them) to "the latest content of each ride-window" and the facts the figures are
 * made of. Rules R1–R4 of issue 14, applied to raw drop JSON read by oracle-drop.ts.
 *
 * - A rejected file (R1 bad name, R2 misaligned window, R3 future window) counts for nothing.
 * - A valid file whose content was seen valid before (exact re-send, re-zip, an older revision
 *   sent again) changes nothing.
 * - Any other valid file is a new content: it becomes the live content of its
 *   (ride, window.start), whatever its sequence (R2: the newest commit wins).
 * - R3: a drop counts only the cycles that started in its window and the alarms active in it.
 * - R4: a cycle counts once per (ride, id), the newest commit winning; an alarm occurrence is
 *   one (ride, code, raisedAt), its time the union of its rows' spans, each row's span clipped
 *   to its window, its severity that of its row in the newest commit; downtime is the time
 *   of fault/critical occurrences only.
 */
import type { OracleCycle, OracleDrop } from './oracle-drop.ts';

export const HOUR = 3_600_000;

/** One file the gateway offered, in commit order. */
export interface Delivery {
  round: number;
  ride: string;
  /** What the scenario meant by it, for people reading a failure. */
  note: string;
  drop: OracleDrop;
}

export type Span = readonly [number, number];

export interface RideHour {
  ride: string;
  hourStart: number;
  cycles: number;
  riders: number;
  completed: number;
  aborted: number;
  estop: number;
  /** Seconds of the hour covered by a fault or critical alarm of the live content. */
  downtimeS: number;
  availability: number;
  /** Cycles of the live content that start outside its window (R3: not counted). */
  cyclesOutsideWindow: number;
  /** Alarm rows of the live content not active in its window (R3: not counted). */
  alarmsOutsideWindow: number;
}

export interface Occurrence {
  ride: string;
  code: string;
  severity: 'info' | 'warning' | 'fault' | 'critical';
  raisedAt: number;
  /** Disjoint, sorted: the union of its rows' clipped spans (zero-length spans kept). */
  spans: Span[];
  /** How many live windows list it (for failure messages). */
  windows: number;
}

export interface LiveWindow {
  ride: string;
  windowStart: number;
  drop: OracleDrop;
  /** Commit index of the delivery that made it live. */
  commit: number;
}

export interface OracleModel {
  deliveries: Delivery[];
  /** `${ride}@${windowStart}` → the live content. */
  live: Map<string, LiveWindow>;
  /** contentId → the first valid delivery of that content. */
  validContents: Map<string, Delivery>;
  rows: RideHour[];
  occurrences: Occurrence[];
  /** `${ride}@${hour}` → what happened to that ride-hour, one line per delivery. */
  history: Map<string, string[]>;
  /** `${ride}@${hour}` → cycles starting in that hour listed by another window's live drop. */
  strayCycles: Map<string, number>;
  /** Every cycle that counts (R4), with the live window whose drop holds its counted copy. */
  countedCycles: { ride: string; cycle: OracleCycle; window: LiveWindow }[];
}

export const windowKey = (ride: string, start: number): string => `${ride}@${start}`;

const isDowntime = (s: string): boolean => s === 'fault' || s === 'critical';

/** Sorted, merged union of spans; zero-length spans survive unless covered. */
export function union(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out.at(-1);
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

export const measure = (spans: readonly Span[]): number =>
  spans.reduce((sum, [s, e]) => sum + Math.max(0, e - s), 0);

export function clip(spans: readonly Span[], from: number, to: number): Span[] {
  return spans
    .map(([s, e]) => [Math.max(s, from), Math.min(e, to)] as const)
    .filter(([s, e]) => s < e);
}

/** Whether any span touches [from, to): overlaps it, or is an instant inside it. */
export function touches(spans: readonly Span[], from: number, to: number): boolean {
  return spans.some(([s, e]) =>
    s === e ? s >= from && s < to : Math.max(s, from) < Math.min(e, to),
  );
}

const fmt = (t: number): string => new Date(t).toISOString().replace('.000Z', 'Z');

export function buildModel(deliveries: readonly Delivery[]): OracleModel {
  const live = new Map<string, LiveWindow>();
  const validContents = new Map<string, Delivery>();
  const history = new Map<string, string[]>();
  deliveries.forEach((d, commit) => {
    const { drop } = d;
    const hourKey = windowKey(d.ride, Math.floor(drop.windowStart / HOUR) * HOUR);
    let verdict: string;
    if (drop.rejection) {
      verdict = `rejected ${drop.rejection.code} (${drop.rejection.rule}): counts for nothing`;
    } else {
      const earlier = validContents.get(drop.contentId);
      const key = windowKey(d.ride, drop.windowStart);
      if (earlier) {
        verdict =
          earlier.drop.sha256 === drop.sha256
            ? `same bytes as round ${earlier.round}'s ${earlier.drop.fileName}: no-op`
            : `same content as round ${earlier.round}'s ${earlier.drop.fileName}, other zip bytes: no-op`;
        if (live.get(key)?.drop.contentId !== drop.contentId) verdict += ' (an older revision)';
      } else {
        validContents.set(drop.contentId, d);
        verdict = live.has(key) ? 'new content: a revision, now the live one' : 'new content: live';
        live.set(key, { ride: d.ride, windowStart: drop.windowStart, drop, commit });
      }
    }
    const lines = history.get(hourKey) ?? [];
    lines.push(
      `round ${d.round}: ${drop.fileName} [${d.note}] seq ${drop.sequence}, window ${fmt(drop.windowStart)}–${fmt(drop.windowEnd)}, ` +
        `${drop.cycles.length} cycles, ${drop.alarms.length} alarms, content ${drop.contentId.slice(0, 10)}, ` +
        `sha ${drop.sha256.slice(0, 10)} → ${verdict}`,
    );
    history.set(hourKey, lines);
  });

  // R4: a cycle id counts once per ride, from the newest commit holding it.
  const cycleOwner = new Map<string, LiveWindow>();
  for (const w of live.values()) {
    for (const c of w.drop.cycles) {
      if (c.start < w.windowStart || c.start >= w.drop.windowEnd) continue;
      const key = `${w.ride}\u0000${c.id}`;
      const prev = cycleOwner.get(key);
      if (!prev || prev.commit < w.commit) cycleOwner.set(key, w);
    }
  }

  // R4: an occurrence's severity is its newest commit's row's (the first of that drop).
  const outside = (a: OracleDrop['alarms'][number], ws: number, we: number): boolean =>
    a.raisedAt >= we || (a.clearedAt !== null && a.clearedAt < ws);
  const alarmKey = (ride: string, a: { code: string; raisedAt: number }): string =>
    `${ride}\u0000${a.code}\u0000${a.raisedAt}`;
  const severity = new Map<string, { commit: number; severity: Occurrence['severity'] }>();
  for (const w of live.values()) {
    for (const a of w.drop.alarms) {
      if (outside(a, w.windowStart, w.drop.windowEnd)) continue;
      const key = alarmKey(w.ride, a);
      const prev = severity.get(key);
      if (!prev || prev.commit < w.commit)
        severity.set(key, { commit: w.commit, severity: a.severity });
    }
  }

  const rows: RideHour[] = [];
  const countedCycles: OracleModel['countedCycles'] = [];
  const strayCycles = new Map<string, number>();
  const occ = new Map<string, { o: Occurrence; spans: Span[] }>();
  for (const w of [...live.values()].sort((a, b) => a.windowStart - b.windowStart)) {
    const ws = w.windowStart;
    const we = w.drop.windowEnd;
    const row: RideHour = {
      ride: w.ride,
      hourStart: ws,
      cycles: 0,
      riders: 0,
      completed: 0,
      aborted: 0,
      estop: 0,
      downtimeS: 0,
      availability: 1,
      cyclesOutsideWindow: 0,
      alarmsOutsideWindow: 0,
    };
    const counted = new Set<string>();
    for (const c of w.drop.cycles) {
      if (c.start < ws || c.start >= we) {
        row.cyclesOutsideWindow++;
        const key = windowKey(w.ride, Math.floor(c.start / HOUR) * HOUR);
        strayCycles.set(key, (strayCycles.get(key) ?? 0) + 1);
        continue;
      }
      if (counted.has(c.id) || cycleOwner.get(`${w.ride}\u0000${c.id}`) !== w) continue;
      counted.add(c.id);
      countedCycles.push({ ride: w.ride, cycle: c, window: w });
      row.cycles++;
      row.riders += c.riders;
      row[c.outcome]++;
    }
    const faultSpans: Span[] = [];
    for (const a of w.drop.alarms) {
      if (outside(a, ws, we)) {
        row.alarmsOutsideWindow++;
        continue;
      }
      const span: Span = [Math.max(a.raisedAt, ws), Math.min(a.clearedAt ?? we, we)];
      const key = alarmKey(w.ride, a);
      const occurrenceSeverity = severity.get(key)?.severity ?? a.severity;
      if (isDowntime(occurrenceSeverity)) faultSpans.push(span);
      const entry = occ.get(key) ?? {
        o: {
          ride: w.ride,
          code: a.code,
          severity: occurrenceSeverity,
          raisedAt: a.raisedAt,
          spans: [],
          windows: 0,
        },
        spans: [],
      };
      entry.spans.push(span);
      entry.o.windows++;
      occ.set(key, entry);
    }
    row.downtimeS = measure(union(faultSpans)) / 1000;
    row.availability = 1 - row.downtimeS / ((we - ws) / 1000);
    rows.push(row);
  }
  const occurrences = [...occ.values()].map(({ o, spans }) => ({ ...o, spans: union(spans) }));
  return {
    deliveries: [...deliveries],
    live,
    validContents,
    rows,
    occurrences,
    history,
    strayCycles,
    countedCycles,
  };
}
