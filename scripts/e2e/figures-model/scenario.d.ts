import { type ParkOpeningHours } from './oracle-calendar.ts';
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
export declare function generateScenario(seed: number, options?: ScenarioOptions): Scenario;
