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
 *   to its window; downtime is fault/critical time only.
 */
import type { OracleDrop } from './oracle-drop.ts';
export declare const HOUR = 3600000;
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
}
export declare const windowKey: (ride: string, start: number) => string;
/** Sorted, merged union of spans; zero-length spans survive unless covered. */
export declare function union(spans: readonly Span[]): Span[];
export declare const measure: (spans: readonly Span[]) => number;
export declare function clip(spans: readonly Span[], from: number, to: number): Span[];
/** Whether any span touches [from, to): overlaps it, or is an instant inside it. */
export declare function touches(spans: readonly Span[], from: number, to: number): boolean;
export declare function buildModel(deliveries: readonly Delivery[]): OracleModel;
