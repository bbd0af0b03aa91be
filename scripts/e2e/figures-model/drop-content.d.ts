import { type DropHeader, type ZipInputEntry } from '@zra/shared';
export interface CycleJson {
  id: string;
  start: string;
  end: string;
  mode: 'auto' | 'manual' | 'maintenance';
  outcome: 'completed' | 'aborted' | 'estop';
  riders: number;
}
export interface AlarmJson {
  code: string;
  severity: 'info' | 'warning' | 'fault' | 'critical';
  raisedAt: string;
  clearedAt: string | null;
  cycleId: string | null;
}
export interface DropContent {
  header: DropHeader;
  cycles: CycleJson[];
  alarms: AlarmJson[];
  /** Every entry but the manifest, in the manifest's order; cycles/alarms are re-rendered. */
  entries: ZipInputEntry[];
}
/** UTC ISO 8601 with `Z`, without `.000` for whole seconds (as the generator writes times). */
export declare function iso(ms: number): string;
export declare function ms(isoTime: string): number;
/** Reads a drop the scenario (or the generator) wrote, for editing. */
export declare function readContent(zipBytes: Buffer): DropContent;
export declare function cloneContent(c: DropContent): DropContent;
/** Writes the content as a drop under its canonical name (manifest hashes computed anew). */
export declare function writeContent(c: DropContent): {
  fileName: string;
  zip: Buffer;
};
/**
 * The same entries (manifest included, byte for byte) in other zip bytes: stored instead of
 * deflated and stamped with another time. Same content id, other SHA-256.
 */
export declare function rezip(zipBytes: Buffer): Buffer;
