import { describe, expect, it } from 'vitest';
import { manifestSchema } from './manifest.ts';
import { describeIssues } from './describe-issue.ts';
import { cyclesFileSchema, telemetryFileSchema } from './entries.ts';

function describeFailure(
  where: string,
  schema: { safeParse: (v: unknown) => unknown },
  value: unknown,
) {
  const result = schema.safeParse(value) as { success: boolean; error?: { issues: never[] } };
  if (result.success || !result.error) throw new Error('expected a failure');
  return describeIssues(where, result.error.issues);
}

describe('describeIssues', () => {
  it('names the entry, the field and what it must be', () => {
    const cycle = {
      id: 'c',
      start: 'soon',
      end: '2026-06-01T10:00:00Z',
      mode: 'auto',
      outcome: 'completed',
      riders: 1,
    };
    expect(describeFailure('cycles.json', cyclesFileSchema, [cycle])).toBe(
      'cycles.json: [0].start must be a UTC time such as 2026-03-29T10:00:00Z',
    );
    expect(
      describeFailure('cycles.json', cyclesFileSchema, [
        { ...cycle, start: cycle.end, mode: 'fast' },
      ]),
    ).toBe('cycles.json: [0].mode must be "auto" or "manual" or "maintenance"');
    expect(
      describeFailure('cycles.json', cyclesFileSchema, [
        { ...cycle, start: cycle.end, riders: 2.5 },
      ]),
    ).toBe('cycles.json: [0].riders must be a whole number');
  });

  it('reports unknown fields and counts further problems', () => {
    const t = {
      channel: 'Brake',
      unit: 'bar',
      rateHz: 1,
      start: '2026-06-01T10:00:00Z',
      values: [],
      colour: 'red',
    };
    expect(describeFailure('telemetry/x.json', telemetryFileSchema, t)).toBe(
      'telemetry/x.json: channel must look like component.quantity, e.g. main_motor.current (and 1 more problem)',
    );
    expect(describeFailure('manifest.json', manifestSchema, { format: 'zamperla.plc/v2' })).toMatch(
      /^manifest\.json: format must be "zamperla\.plc\/v1" \(and \d+ more problems\)$/,
    );
  });
});
