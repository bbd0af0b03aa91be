import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { RideModels } from '../ride-model/ride-model.ts';
import { generateOptionsSchema, type GenerateOptions, type RideSpec } from './generate-options.ts';

/** Usage text printed by `--help`. */
export const USAGE = `Usage: zra-generate --out <dir> [options]

Writes realistic PLC drops (format zamperla.plc/v1), one per ride per powered hour.

  --out <dir>              folder to write the drops into (created if missing)
  --park <slug>            park id (default gardaland-demo)
  --rides <N | id:model,…> N rides cycling through the known models (ride-1 …), or an explicit
                           list such as coaster-a:disko-coaster,wheel:discovery-revolution (default 3)
  --from <YYYY-MM-DD>      first park-local day (default 2026-06-06)
  --hours <n>              park-local wall-clock hours from midnight (default 24)
  --seed <int>             random seed; the same arguments give byte-identical drops (default 1)
  --timezone <IANA>        park time zone (default Europe/Rome)
  --rate-hz <n>            telemetry samples per second (default 50)
  --help                   show this text
`;

/** A flag problem worth one line to the person at the terminal. */
export class CliUsageError extends Error {}

/** What the CLI should do. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'generate'; options: GenerateOptions; out: string };

const integerFlag = z
  .string()
  .regex(/^-?\d+$/, 'must be a whole number')
  .transform(Number);

const flagsSchema = z.strictObject({
  out: z.string().min(1, '--out needs a folder'),
  park: z.string().default('gardaland-demo'),
  rides: z.string().default('3'),
  from: z.string().default('2026-06-06'),
  hours: integerFlag.default(24),
  seed: integerFlag.default(1),
  timezone: z.string().default('Europe/Rome'),
  'rate-hz': z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
    .transform(Number)
    .default(50),
});

/** Expands `--rides`: a count cycles through the models; a list names each ride and model. */
export function parseRides(value: string, models: RideModels): RideSpec[] {
  const known = models.models.map((m) => m.id);
  if (/^\d+$/.test(value)) {
    const count = Number(value);
    if (count < 1 || count > 200) throw new CliUsageError('--rides must be between 1 and 200');
    return Array.from({ length: count }, (_, i) => ({
      id: `ride-${i + 1}`,
      model: known[i % known.length] ?? '',
    }));
  }
  return value.split(',').map((item) => {
    const [id, model, extra] = item.split(':');
    if (!id || !model || extra !== undefined) {
      throw new CliUsageError(`--rides item "${item}" must look like id:model`);
    }
    if (!known.includes(model)) {
      throw new CliUsageError(`unknown ride model "${model}"; known models: ${known.join(', ')}`);
    }
    return { id, model };
  });
}

function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid arguments';
  const path = issue.path.join('.');
  const flag = path === '' ? '' : `--${path.replace(/^rateHz$/, 'rate-hz').replace(/\..*/, '')}: `;
  return `${flag}${issue.message}`;
}

/** Parses the command line into generator options; throws {@link CliUsageError} on bad flags. */
export function parseCli(argv: readonly string[], models: RideModels): CliCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: 'string' },
        park: { type: 'string' },
        rides: { type: 'string' },
        from: { type: 'string' },
        hours: { type: 'string' },
        seed: { type: 'string' },
        timezone: { type: 'string' },
        'rate-hz': { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (e) {
    throw new CliUsageError(e instanceof Error ? e.message : String(e));
  }
  const { help, ...rest } = values;
  if (help) return { kind: 'help' };
  if (rest['out'] === undefined) throw new CliUsageError('--out <dir> is required');
  const flags = flagsSchema.safeParse(rest);
  if (!flags.success) throw new CliUsageError(firstProblem(flags.error));
  const f = flags.data;
  const options = generateOptionsSchema.safeParse({
    park: f.park,
    rides: parseRides(f.rides, models),
    from: f.from,
    hours: f.hours,
    seed: f.seed,
    timezone: f.timezone,
    rateHz: f['rate-hz'],
  });
  if (!options.success) throw new CliUsageError(firstProblem(options.error));
  return { kind: 'generate', options: options.data, out: f.out };
}
