import { z } from 'zod';

const count = z.number().int().nonnegative();
const bytes = z.number().int().nonnegative();
const instant = z.iso.datetime({ offset: true });

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
});

/** Central's answer: when it recorded the heartbeat (its clock, not the agent's). */
export const heartbeatOutputSchema = z.strictObject({ receivedAt: z.string() });

export type HeartbeatInput = z.infer<typeof heartbeatInputSchema>;
export type HeartbeatOutput = z.infer<typeof heartbeatOutputSchema>;
