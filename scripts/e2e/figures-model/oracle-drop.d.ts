export interface OracleCycle {
  id: string;
  start: number;
  end: number;
  outcome: 'completed' | 'aborted' | 'estop';
  riders: number;
}
export interface OracleAlarm {
  code: string;
  severity: 'info' | 'warning' | 'fault' | 'critical';
  raisedAt: number;
  clearedAt: number | null;
}
/** Which rule rejects a drop, and the code every side must give. */
export interface Rejection {
  rule: 'R1' | 'R2' | 'R3';
  code: 'name_mismatch' | 'window_not_hour' | 'window_in_future';
  why: string;
}
export interface OracleDrop {
  fileName: string;
  /** The gateway folder's ride (the agent's ride config). */
  ride: string;
  sha256: string;
  contentId: string;
  park: string;
  sequence: number;
  windowStart: number;
  windowEnd: number;
  cycles: OracleCycle[];
  alarms: OracleAlarm[];
  /** null: valid. */
  rejection: Rejection | null;
}
/**
 * Reads one file as the gateway offered it. `receivedAt` is when the agent pulled it (R3's
 * future check). The scenario only writes drops whose zip and schemas are sound, so the
 * verdict is about the rules of issue 14: canonical name, hour-aligned window, not future.
 */
export declare function readOracleDrop(
  ride: string,
  fileName: string,
  bytes: Buffer,
  receivedAt: number,
): OracleDrop;
