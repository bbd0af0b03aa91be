#!/usr/bin/env -S npx tsx
import { resolve } from 'node:path';
import { loadRideModels } from '../ride-model/ride-model.ts';
import { CliUsageError, USAGE, parseCli } from './cli-options.ts';
import { writeDrops } from './generate.ts';

// Exit codes: 0 done, 1 failed while writing, 2 bad flags (a person typed something wrong).

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

async function main(argv: readonly string[]): Promise<number> {
  const models = loadRideModels();
  let command;
  try {
    command = parseCli(argv, models);
  } catch (e) {
    if (!(e instanceof CliUsageError)) throw e;
    process.stderr.write(`zra-generate: ${e.message} (see --help)\n`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const out = resolve(command.out);
  const summaries = await writeDrops(command.options, out, models);
  let drops = 0;
  let bytes = 0;
  for (const s of summaries) {
    drops += s.drops;
    bytes += s.bytes;
    process.stdout.write(
      `${s.ride} (${s.model}): ${s.drops} drops, ${s.cycles} cycles, ${s.alarms} alarms, ${mib(s.bytes)}\n`,
    );
  }
  process.stdout.write(`total: ${drops} drops, ${mib(bytes)} written to ${out}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`zra-generate: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
