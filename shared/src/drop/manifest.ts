import { z } from 'zod';
import { sha256Schema, slugSchema, timezoneSchema, utcInstantSchema } from './primitives.ts';

export const DROP_FORMAT = 'zamperla.plc/v1';

/** A path inside the archive: relative, forward slashes, no `..`, no empty segments. */
export const entryPathSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(?!\/)(?!.*\/\/)(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._\-/]+$/, 'unsafe entry path');

export const manifestFileSchema = z.strictObject({
  path: entryPathSchema,
  sha256: sha256Schema,
  bytes: z.number().int().nonnegative(),
});

export const manifestSchema = z.strictObject({
  format: z.literal(DROP_FORMAT),
  park: slugSchema,
  ride: slugSchema,
  model: slugSchema,
  plc: z.strictObject({ serial: z.string().min(1).max(64), firmware: z.string().min(1).max(64) }),
  timezone: timezoneSchema,
  window: z
    .strictObject({ start: utcInstantSchema, end: utcInstantSchema })
    .refine((w) => !(Date.parse(w.start) >= Date.parse(w.end)), {
      path: ['start'],
      message: 'must be before window.end',
    }),
  sequence: z.number().int().nonnegative(),
  files: z.array(manifestFileSchema).min(1).max(64),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestFile = z.infer<typeof manifestFileSchema>;
