/**
 * The system-wide fault campaign (issue 15): agent, two API processes behind a balancer,
 * workers, an OpenSSH gateway, and a PostgreSQL and a RabbitMQ of its own, all through TCP
 * proxies; drops written throughout while seeded faults hit every part; then a bounded drain
 * and the invariants. Exits 1 on any violation.
 *
 *   npx tsx bench/chaos/run.ts --seed N --minutes M [--faults-per-minute F]
 *     [--drops-per-minute D] [--drain-minutes T] [--rate-hz R] [--workers W]
 *     [--self-check] [--json FILE]
 *
 * --self-check plants damage of every kind the checks look for after the real checks and
 * fails unless each is found; --json writes the whole result (timeline included).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { runCampaign } from './campaign.ts';
import { formatSummary } from './summary.ts';

const say = (line: string): boolean => process.stdout.write(`${line}\n`);

const optionsSchema = z.object({
  seed: z.coerce.number().int(),
  minutes: z.coerce
    .number()
    .positive()
    .max(24 * 60),
  'faults-per-minute': z.coerce.number().positive().max(600),
  'drops-per-minute': z.coerce.number().positive().max(600),
  'drain-minutes': z.coerce.number().positive().max(120),
  'rate-hz': z.coerce.number().positive().max(50),
  workers: z.coerce.number().int().min(1).max(8),
  'self-check': z.boolean(),
  json: z.string().min(1).optional(),
});

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      minutes: { type: 'string', default: '2' },
      'faults-per-minute': { type: 'string', default: '36' },
      'drops-per-minute': { type: 'string', default: '30' },
      'drain-minutes': { type: 'string', default: '3' },
      'rate-hz': { type: 'string', default: '1' },
      workers: { type: 'string', default: '2' },
      'self-check': { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  });
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) {
    process.stderr.write(`chaos: ${z.prettifyError(parsed.error)}\n`);
    return 64;
  }
  const o = parsed.data;
  const started = Date.now();
  const result = await runCampaign({
    seed: o.seed,
    faultMinutes: o.minutes,
    faultsPerMinute: o['faults-per-minute'],
    dropsPerMinute: o['drops-per-minute'],
    drainMinutes: o['drain-minutes'],
    rateHz: o['rate-hz'],
    apis: 2,
    workers: o.workers,
    selfCheck: o['self-check'],
    progress: (line) => say(`[${Math.round((Date.now() - started) / 1000)} s] ${line}`),
  });
  say(formatSummary(result));
  if (o.json) writeFileSync(o.json, `${JSON.stringify(result, null, 2)}\n`);
  const checksWork = result.selfCheckMissed === null || result.selfCheckMissed.length === 0;
  return result.violations.length === 0 && checksWork ? 0 : 1;
}

// Ctrl-C or a stop: exit at once; each part registered an exit hook that kills what it started
// (servers, processes, the broker's epmd), so nothing outlives the campaign.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`chaos: ${signal}: stopping every process the campaign started\n`);
    process.exit(130);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `chaos: the campaign could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 2;
  },
);
