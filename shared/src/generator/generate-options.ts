import { z } from 'zod';
import { slugSchema, timezoneSchema } from '../drop/primitives.ts';

/** A park-local calendar date `YYYY-MM-DD` that exists. */
export const localDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like 2026-03-29')
  .refine((s) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    const t = new Date(Date.UTC(y, m - 1, d));
    return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
  }, 'expected a real calendar date like 2026-03-29');

/** One ride to simulate: its id (used in file names) and its ride model. */
export const rideSpecSchema = z.strictObject({ id: slugSchema, model: slugSchema });

/** Options of the drop generator, validated at the boundary (CLI flags and test callers). */
export const generateOptionsSchema = z
  .strictObject({
    park: slugSchema.default('gardaland-demo'),
    rides: z.array(rideSpecSchema).min(1).max(200),
    from: localDateSchema,
    fromHour: z.number().int().min(0).max(23).default(0),
    hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 400)
      .default(24),
    seed: z.number().int().default(1),
    timezone: timezoneSchema.default('Europe/Rome'),
    rateHz: z
      .number()
      .positive()
      .max(1000)
      // Windows hold a whole number of samples, so readers never meet a partial sample.
      .refine((r) => Number.isInteger(r * 3600), 'rate × 3600 must be a whole number of samples')
      .default(50),
    sequenceStart: z.number().int().nonnegative().default(1),
    /** Set false for small fixtures: no counter reset, no long fault. */
    rareEvents: z.boolean().default(true),
  })
  .refine((o) => new Set(o.rides.map((r) => r.id)).size === o.rides.length, {
    path: ['rides'],
    message: 'ride ids must be unique',
  });

/** Generator options as callers write them (defaults optional). */
export type GenerateOptionsInput = z.input<typeof generateOptionsSchema>;
/** Generator options with defaults applied. */
export type GenerateOptions = z.output<typeof generateOptionsSchema>;
export type RideSpec = z.infer<typeof rideSpecSchema>;
