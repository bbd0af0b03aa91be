import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { alarmSeveritySchema, channelNameSchema } from '../drop/entries.ts';
import { slugSchema } from '../drop/primitives.ts';

/** Limits outside which a sample is a threshold breach; either side may be absent. */
export const thresholdSchema = z
  .strictObject({ min: z.number().optional(), max: z.number().optional() })
  .refine((t) => t.min !== undefined || t.max !== undefined, 'a threshold needs min or max');

export const rideModelChannelSchema = z.strictObject({
  channel: channelNameSchema,
  unit: z.string().min(1),
  rateHz: z.number().positive(),
  /** Typical value while a cycle runs and while the ride idles; the generator draws around them. */
  typical: z.strictObject({ running: z.number(), idle: z.number() }),
  threshold: thresholdSchema,
});

export const alarmDefinitionSchema = z.strictObject({
  text: z.strictObject({ en: z.string().min(1), it: z.string().min(1) }),
  component: z.string().min(1),
  severity: alarmSeveritySchema,
});

export const rideModelSchema = z.strictObject({
  id: slugSchema,
  name: z.string().min(1),
  version: z.number().int().positive(),
  /** Seats per cycle; riders per cycle never exceed it. */
  capacity: z.number().int().positive(),
  nominalCycleSeconds: z.number().positive(),
  channels: z.array(rideModelChannelSchema).min(1),
  alarms: z.record(z.string().regex(/^[A-Z][A-Z0-9-]{1,31}$/), alarmDefinitionSchema),
});

export const rideModelsFileSchema = z.strictObject({
  format: z.literal('zamperla.ride-models/v1'),
  models: z.array(rideModelSchema).min(1),
});

export type RideModel = z.infer<typeof rideModelSchema>;
export type RideModelChannel = z.infer<typeof rideModelChannelSchema>;
export type RideModels = z.infer<typeof rideModelsFileSchema>;

/** Where the repository keeps the versioned ride-model data (also read by the Rust jobs). */
export const DEFAULT_RIDE_MODELS_PATH = fileURLToPath(
  new URL('../../ride-models/ride-models.json', import.meta.url),
);

/** Reads and validates a ride-models file; throws with the path and the first problem. */
export function loadRideModels(path: string = DEFAULT_RIDE_MODELS_PATH): RideModels {
  const parsed = rideModelsFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new Error(`ride models in ${path} are invalid: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Finds a model by id or throws a message naming the known ids. */
export function findRideModel(models: RideModels, id: string): RideModel {
  const model = models.models.find((m) => m.id === id);
  if (!model) {
    const known = models.models.map((m) => m.id).join(', ');
    throw new Error(`unknown ride model "${id}"; known models: ${known}`);
  }
  return model;
}
