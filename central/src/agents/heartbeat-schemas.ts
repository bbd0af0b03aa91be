import { slugSchema } from '@zra/shared';
import { z } from 'zod';

const count = z.number().int().nonnegative();
const bytes = z.number().int().nonnegative();
const instant = z.iso.datetime({ offset: true });

/** Texts from the agent are shown to people: bounded, and one line. */
const sentence = z
  .string()
  .max(2000)
  .transform((t) => t.replace(/\s+/g, ' ').trim());

/** One ride's pulling at the park, from the agent's status (`RideStatus` in the agent). */
export const rideReportSchema = z.strictObject({
  /** The ride's id, as in drop file names. */
  id: slugSchema,
  /** When the last pull ended, successful or not (null: none yet). */
  lastPullAt: instant.nullable(),
  /** When a pull last reached the gateway and finished. */
  lastSuccessAt: instant.nullable(),
  /** Why the last pull failed (the gateway unreachable, login refused, …); null after a good one. */
  lastError: sentence.nullable(),
  /** Why the ride's pulling is paused (the agent's buffer is full); null while it pulls. */
  pausedReason: sentence.nullable(),
  /** The gateway shows another SSH host key than the pinned one: pulling stopped. */
  hostKeyChanged: z.boolean(),
});

/** What an agent sends about once a minute (docs/job-contracts.md, "Agent API"). */
export const heartbeatInputSchema = z.strictObject({
  /** The agent's version, e.g. `0.3.1`. */
  version: z.string().trim().min(1).max(64),
  /** Drops held in the agent's local buffer and its size cap (null: no cap configured). */
  buffer: z.strictObject({
    drops: count,
    bytes,
    capBytes: z.number().int().positive().nullable(),
  }),
  /** Drops pulled from the gateway but not yet accepted by central. */
  backlog: z.strictObject({
    drops: count,
    bytes,
    oldestPulledAt: instant.nullable(),
  }),
  /** Since when the agent has failed to reach central (null: it is online). */
  offlineSince: instant.nullable(),
  /**
   * Each configured ride's pulling as the agent sees it (optional: agents before 0.2 do not
   * send it, and the dashboard then says the park does not report rides).
   */
  rides: z.array(rideReportSchema).max(500).optional(),
  /** Drops the agent keeps aside as invalid (optional, as `rides`). */
  quarantine: z.strictObject({ drops: count, latestAt: instant.nullable() }).optional(),
});

/** Central's answer: when it recorded the heartbeat (its clock, not the agent's). */
export const heartbeatOutputSchema = z.strictObject({ receivedAt: z.string() });

export type HeartbeatInput = z.infer<typeof heartbeatInputSchema>;
export type RideReport = z.infer<typeof rideReportSchema>;
export type HeartbeatOutput = z.infer<typeof heartbeatOutputSchema>;
