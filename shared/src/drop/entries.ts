import { z } from 'zod';
import { utcInstantSchema } from './primitives.ts';

export const cycleModeSchema = z.enum(['auto', 'manual', 'maintenance']);
export const cycleOutcomeSchema = z.enum(['completed', 'aborted', 'estop']);

export const cycleSchema = z.strictObject({
  id: z.string().min(1).max(64),
  start: utcInstantSchema,
  end: utcInstantSchema,
  mode: cycleModeSchema,
  outcome: cycleOutcomeSchema,
  riders: z.number().int().nonnegative().max(1000),
});
export const cyclesFileSchema = z.array(cycleSchema);

export const alarmSeveritySchema = z.enum(['info', 'warning', 'fault', 'critical']);

export const alarmSchema = z.strictObject({
  code: z.string().min(1).max(32),
  severity: alarmSeveritySchema,
  raisedAt: utcInstantSchema,
  clearedAt: utcInstantSchema.nullable(),
  cycleId: z.string().min(1).max(64).nullable(),
});
export const alarmsFileSchema = z.array(alarmSchema);

export const counterSnapshotSchema = z.strictObject({
  at: utcInstantSchema,
  operatingHours: z.number().nonnegative(),
  cycleCounter: z.number().int().nonnegative(),
  powerOnHours: z.number().nonnegative(),
});
export const countersFileSchema = z.array(counterSnapshotSchema);

/** Channel names look like `main_motor.current`: component, dot, quantity. */
export const channelNameSchema = z.string().regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/);

export const telemetryFileSchema = z.strictObject({
  channel: channelNameSchema,
  unit: z.string().min(1).max(16),
  rateHz: z.number().positive().max(10_000),
  start: utcInstantSchema,
  // null marks a sample the PLC did not capture (a gap), kept so sample times stay implicit.
  values: z.array(z.number().nullable()),
});

export type Cycle = z.infer<typeof cycleSchema>;
export type Alarm = z.infer<typeof alarmSchema>;
export type CounterSnapshot = z.infer<typeof counterSnapshotSchema>;
export type TelemetryFile = z.infer<typeof telemetryFileSchema>;
