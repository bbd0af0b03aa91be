import { z } from 'zod';
import {
  alarmsFileSchema,
  countersFileSchema,
  cyclesFileSchema,
  telemetryFileSchema,
  type TelemetryFile,
} from './entries.ts';

/** How one kind of entry is validated: its schema plus checks that need the entry's path. */
export interface EntrySchema {
  schema: z.ZodType;
  /** Returns a problem (a sentence fragment) or null. */
  check?: (value: unknown) => string | null;
  /**
   * The top-level `values` array may be checked on the text (telemetry-values.ts) instead of
   * parsed: `schema` and `check` accept any array of numbers and nulls there.
   */
  numberValues?: boolean;
}

const FIXED: Record<string, EntrySchema> = {
  'cycles.json': { schema: cyclesFileSchema },
  'alarms.json': { schema: alarmsFileSchema },
  'counters.json': { schema: countersFileSchema },
};

const TELEMETRY_PATH = /^telemetry\/([^/]+)\.json$/;

// A telemetry file is mostly one long array; checking it with a plain loop rather than zod makes
// verifying a 50 Hz drop several times faster, with the same verdict and the same sentence.
const telemetryHeaderSchema = telemetryFileSchema.extend({ values: z.unknown() });

function valuesProblem(values: unknown): string | null {
  if (!Array.isArray(values)) return 'values must be a list ([...])';
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (v !== null && typeof v !== 'number') return `values[${i}] must be a number or null`;
    // JSON.parse turns 1e400 into Infinity; a value no float can hold is refused, as in Rust.
    if (typeof v === 'number' && !Number.isFinite(v)) {
      return `values[${i}] is out of range (too large for a 64-bit float)`;
    }
  }
  return null;
}

/** The schema for an entry path of format v1, or null when the path is not part of the format. */
export function entrySchemaFor(path: string): EntrySchema | null {
  const fixed = FIXED[path];
  if (fixed) return fixed;
  const fileChannel = TELEMETRY_PATH.exec(path)?.[1];
  if (fileChannel === undefined) return null;
  return {
    schema: telemetryHeaderSchema,
    numberValues: true,
    check: (value) => {
      const file = value as TelemetryFile;
      const problem = valuesProblem(file.values);
      if (problem) return problem;
      // The file name is what readers index by, so it must agree with the content.
      return file.channel === fileChannel
        ? null
        : `channel is "${file.channel}" but the file name says "${fileChannel}"`;
    },
  };
}
