import type { z } from 'zod';
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
}

const FIXED: Record<string, EntrySchema> = {
  'cycles.json': { schema: cyclesFileSchema },
  'alarms.json': { schema: alarmsFileSchema },
  'counters.json': { schema: countersFileSchema },
};

const TELEMETRY_PATH = /^telemetry\/([^/]+)\.json$/;

/** The schema for an entry path of format v1, or null when the path is not part of the format. */
export function entrySchemaFor(path: string): EntrySchema | null {
  const fixed = FIXED[path];
  if (fixed) return fixed;
  const fileChannel = TELEMETRY_PATH.exec(path)?.[1];
  if (fileChannel === undefined) return null;
  return {
    schema: telemetryFileSchema,
    // The file name is what readers index by, so it must agree with the content.
    check: (value) => {
      const channel = (value as TelemetryFile).channel;
      return channel === fileChannel
        ? null
        : `channel is "${channel}" but the file name says "${fileChannel}"`;
    },
  };
}
