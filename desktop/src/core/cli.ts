import { parseArgs } from 'node:util';
import { createAgent } from './agent.ts';
import { summarize } from './agent-status.ts';
import { ConfigError, loadAgentConfig } from './config.ts';
import { createLogger } from './logger.ts';

const USAGE = 'usage: agent --config <file.json> [--once]';

/**
 * `tsx desktop/src/core/cli.ts agent --config <file> [--once]`: the headless park agent.
 * `--once` pulls and uploads one round, prints one line and exits 0; without it the agent
 * pulls each ride on its cron rules and uploads on its own loop until SIGINT/SIGTERM. Config
 * errors exit 2 with the fix.
 */
async function main(argv: string[]): Promise<number> {
  let values: { config?: string; once?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        once: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n${USAGE}`, 64);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals[0] !== 'agent' || positionals.length > 1) {
    return fail(`unknown command "${positionals.join(' ')}"\n${USAGE}`, 64);
  }
  if (!values.config) return fail(`--config is required\n${USAGE}`, 64);

  let config;
  try {
    config = await loadAgentConfig(values.config);
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message, 2);
    throw err;
  }
  const log = createLogger();
  const agent = await createAgent(config, { log });

  if (values.once) {
    try {
      const run = await agent.runOnce();
      process.stdout.write(`${summarize(run)}\n`);
    } finally {
      await agent.close();
    }
    return 0;
  }

  agent.start();
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      log.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  await agent.close();
  return 0;
}

function fail(message: string, code: number): number {
  process.stderr.write(`agent: ${message}\n`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
