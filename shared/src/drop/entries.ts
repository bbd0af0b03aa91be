import { z } from 'zod';
import { utcInstantSchema } from './primitives.ts';

export const cycleModeSchema = z.enum(['auto', 'manual', 'maintenance']);
export const cycleOutcomeSchema = z.enum(['completed', 'aborted', 'estop']);

/**
 * One ride cycle (dispatch to unload). A cycle that ends before it starts is a PLC clock fault;
 * the order checks are written so an unparsable time is reported once, by its own field.
 */
export const cycleSchema = z
  .strictObject({
    id: z.string().min(1).max(64),
    start: utcInstantSchema,
    end: utcInstantSchema,
    mode: cycleModeSchema,
    outcome: cycleOutcomeSchema,
    riders: z.number().int().nonnegative().max(1000),
  })
  .refine((c) => !(Date.parse(c.end) < Date.parse(c.start)), {
    path: ['end'],
    message: 'must not be before start',
  });
export const cyclesFileSchema = z.array(cycleSchema);

export const alarmSeveritySchema = z.enum(['info', 'warning', 'fault', 'critical']);

/** An alarm raised by the PLC; `clearedAt` is null while it is still active at the window end. */
export const alarmSchema = z
  .strictObject({
    code: z.string().min(1).max(32),
    severity: alarmSeveritySchema,
    raisedAt: utcInstantSchema,
    clearedAt: utcInstantSchema.nullable(),
    cycleId: z.string().min(1).max(64).nullable(),
  })
  .refine((a) => a.clearedAt === null || !(Date.parse(a.clearedAt) < Date.parse(a.raisedAt)), {
    path: ['clearedAt'],
    message: 'must not be before raisedAt',
  });
export const alarmsFileSchema = z.array(alarmSchema);

/** Lifetime counters read from the PLC; they only grow, except after a (rare) counter reset. */
export const counterSnapshotSchema = z.strictObject({
  at: utcInstantSchema,
  operatingHours: z.number().nonnegative(),
  cycleCounter: z.number().int().nonnegative(),
  powerOnHours: z.number().nonnegative(),
});
export const countersFileSchema = z.array(counterSnapshotSchema);

/** Channel names look like `main_motor.current`: component, dot, quantity. */
export const channelNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/,
    'must look like component.quantity, e.g. main_motor.current',
  );

/** One channel of samples at a fixed rate; sample i was taken at `start + i / rateHz` seconds. */
export const telemetryFileSchema = z.strictObject({
  channel: channelNameSchema,
  unit: z.string().min(1).max(16),
  rateHz: z.number().positive().max(10_000),
  start: utcInstantSchema,
  // null marks a sample the PLC did not capture (a gap), kept so sample times stay implicit.
  values: z.array(z.number({ error: 'must be a number or null' }).nullable()),
});

export type CycleMode = z.infer<typeof cycleModeSchema>;
export type CycleOutcome = z.infer<typeof cycleOutcomeSchema>;
export type AlarmSeverity = z.infer<typeof alarmSeveritySchema>;
export type Cycle = z.infer<typeof cycleSchema>;
export type Alarm = z.infer<typeof alarmSchema>;
export type CounterSnapshot = z.infer<typeof counterSnapshotSchema>;
export type TelemetryFile = z.infer<typeof telemetryFileSchema>;
