import { z } from 'zod';

const instant = z.iso.datetime();
const num = z.number();

/** `zamperla.postprocess/v1` (docs/job-contracts.md): checked before anything is written. */
export const postprocessResultSchema = z.object({
  format: z.literal('zamperla.postprocess/v1'),
  drop: z.object({
    park: z.string(),
    ride: z.string(),
    model: z.string(),
    sequence: z.number().int().nonnegative(),
    timezone: z.string(),
    window: z.object({ start: instant, end: instant }),
    contentId: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  cycles: z.array(
    z.object({
      id: z.string(),
      start: instant,
      end: instant,
      mode: z.enum(['auto', 'manual', 'maintenance']),
      outcome: z.enum(['completed', 'aborted', 'estop']),
      riders: z.number().int().nonnegative(),
      durationS: num,
      channels: z.record(
        z.string(),
        z.object({ peak: num, mean: num, rms: num, samples: z.number().int().nonnegative() }),
      ),
    }),
  ),
  alarms: z.array(
    z.object({
      code: z.string(),
      severity: z.enum(['info', 'warning', 'fault', 'critical']),
      text: z.string(),
      component: z.string(),
      raisedAt: instant,
      clearedAt: instant.nullable(),
      durationS: num,
      cycleId: z.string().nullable(),
    }),
  ),
  breaches: z.array(
    z.object({
      channel: z.string(),
      cycleId: z.string().nullable(),
      at: instant,
      value: num,
      limit: num,
      kind: z.enum(['max', 'min']),
    }),
  ),
  hourly: z.array(
    z.object({
      hourStart: instant,
      localHour: z.iso.datetime({ offset: true }),
      cycles: z.number().int().nonnegative(),
      riders: z.number().int().nonnegative(),
      completed: z.number().int().nonnegative(),
      aborted: z.number().int().nonnegative(),
      estop: z.number().int().nonnegative(),
      autoMinutes: num,
      faultMinutes: num,
      availability: z.number().min(0).max(1),
      channels: z.record(z.string(), z.object({ p50: num, p95: num, max: num })),
    }),
  ),
  quality: z.array(
    z.object({
      kind: z.enum([
        'gap',
        'outside_window',
        'counter_reset',
        'duplicate_cycle',
        'cycle_outside_window',
        'alarm_outside_window',
        'counter_outside_window',
        'duplicate_alarm',
        'riders_over_capacity',
      ]),
      channel: z.string().nullable(),
      at: instant,
      detail: z.string(),
    }),
  ),
});

export type PostprocessResult = z.infer<typeof postprocessResultSchema>;
