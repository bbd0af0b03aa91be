import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CentralClient } from './central-client.ts';
import { describeCentralError } from './central-error.ts';
import type { CentralLink } from './central-link.ts';
import { PeriodicTask } from './periodic-task.ts';

/** What the agent tells central about itself (central's `agent.heartbeat` input). */
export interface Heartbeat {
  version: string;
  buffer: { drops: number; bytes: number; capBytes: number | null };
  backlog: { drops: number; bytes: number; oldestPulledAt: string | null };
  offlineSince: string | null;
  /** Each configured ride's pulling, straight from its `RideStatus` (central's fleet view). */
  rides: RideReport[];
  /** Drops kept aside as invalid here: how many, and when the newest was kept. */
  quarantine: { drops: number; latestAt: string | null };
}

/** One ride in a heartbeat: central's `rideReportSchema`. */
export interface RideReport {
  id: string;
  lastPullAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  pausedReason: string | null;
  hostKeyChanged: boolean;
}

/** Central's bounds on what a heartbeat carries (`heartbeat-schemas.ts`). */
export const HEARTBEAT_MAX_RIDES = 500;
export const HEARTBEAT_MAX_TEXT = 2000;

/** A sentence for central, cut to its bound (with an ellipsis, so the cut shows). */
export function boundedText(text: string | null): string | null {
  if (text === null || text.length <= HEARTBEAT_MAX_TEXT) return text;
  return `${text.slice(0, HEARTBEAT_MAX_TEXT - 1)}…`;
}

/** The last heartbeat sent, for the status view. */
export interface HeartbeatStatus {
  /** When central last recorded a heartbeat (its clock, ISO 8601). */
  lastSentAt: string | null;
  /** Why the last heartbeat failed; null after a good one. */
  lastError: string | null;
  /** When the next heartbeat goes (ISO 8601); null while one is in flight or the loop stopped. */
  nextAt: string | null;
}

export interface HeartbeatLoopDeps {
  client: CentralClient;
  /** The shared link to central: heartbeats move its state, never the upload backoff. */
  link: CentralLink;
  log: Logger;
  intervalSeconds: number;
  /** The agent's state right now, minus the version. */
  snapshot: () => Omit<Heartbeat, 'version'>;
}

const packageSchema = z.object({ version: z.string().min(1) });

/** The agent's version, from desktop/package.json. */
export const AGENT_VERSION: string = packageSchema.parse(
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')),
).version;

/**
 * Sends a heartbeat to central now (`beat`) and every `intervalSeconds` after `start`. A
 * heartbeat never throws and never waits on pulls; a failure only marks the central link
 * offline (`CentralLink.recordHeartbeat`).
 */
export class HeartbeatLoop {
  private readonly task: PeriodicTask<boolean>;
  private last: Omit<HeartbeatStatus, 'nextAt'> = { lastSentAt: null, lastError: null };

  constructor(private readonly deps: HeartbeatLoopDeps) {
    this.task = new PeriodicTask(() => this.send(), deps.intervalSeconds * 1000);
  }

  /** Sends one heartbeat now (joining one in flight); resolves whether central recorded it. */
  beat(): Promise<boolean> {
    return this.task.now();
  }

  /** A heartbeat now, then one every `intervalSeconds` until `stop`. */
  start(): void {
    this.task.start();
  }

  /** Stops the timer and waits for a heartbeat in flight. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  status(): HeartbeatStatus {
    const next = this.task.nextRunAt();
    return { ...this.last, nextAt: next === null ? null : new Date(next).toISOString() };
  }

  private async send(): Promise<boolean> {
    const { deps } = this;
    try {
      const hb: Heartbeat = { version: AGENT_VERSION, ...deps.snapshot() };
      const { receivedAt } = await deps.client.agent.heartbeat.mutate(hb);
      deps.link.recordHeartbeat(null);
      this.last = { lastSentAt: receivedAt, lastError: null };
      return true;
    } catch (err) {
      const message = `heartbeat to central failed: ${describeCentralError(err, 'sending a heartbeat')}`;
      deps.link.recordHeartbeat(message);
      this.last = { ...this.last, lastError: message };
      deps.log.warn({ reason: message }, 'central did not take the heartbeat; retrying later');
      return false;
    }
  }
}
