import { parseArgs } from 'node:util';
import { createAgent } from './agent.ts';
import { createAgentMetrics } from './status/agent-metrics.ts';
import { summarize } from './status/agent-status.ts';
import { ConfigError, loadAgentConfig } from './settings/config.ts';
import { configFileExposure } from './settings/config-exposure.ts';
import { errorForPeople } from './error-for-people.ts';
import { createLogger } from './logger.ts';
import { startStatusServer, type StatusServer } from './status/status-server.ts';

const USAGE = 'usage: agent --config <file.json> [--once | --serve-status [--status-port <port>]]';

/**
 * `--once` ended with drops still waiting for central (unreachable, its rate limit outlasted
 * the wait, or it refused them): sysexits' EX_TEMPFAIL, "try again later". The drops are safe
 * in the buffer; the next run uploads them.
 */
const EXIT_DROPS_WAITING = 75;

/**
 * `tsx desktop/src/core/cli.ts agent --config <file> [--once]`: the headless park agent.
 * `--once` pulls and uploads one round (waiting out central's rate limit for up to two
 * minutes), prints one line and exits 0, or 75 when drops still wait for central; without it the agent
 * pulls each ride on its cron rules and uploads on its own loop until SIGINT/SIGTERM.
 * `--serve-status` also serves the local status API and `/metrics` on 127.0.0.1
 * (`--status-port`, default a free port; the token is in `<dataDir>/status-token`). Config
 * errors exit 2 with the fix.
 */
async function main(argv: string[]): Promise<number> {
  let values: {
    config?: string;
    once?: boolean;
    help?: boolean;
    'serve-status'?: boolean;
    'status-port'?: string;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        once: { type: 'boolean' },
        'serve-status': { type: 'boolean' },
        'status-port': { type: 'string' },
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
  const statusPort = parsePort(values['status-port']);
  if (statusPort === null) {
    return fail(`--status-port must be a port number (0-65535)\n${USAGE}`, 64);
  }
  if (values['status-port'] !== undefined && !values['serve-status']) {
    return fail(`--status-port needs --serve-status\n${USAGE}`, 64);
  }
  if (values.once && values['serve-status']) {
    return fail(`--once and --serve-status do not go together\n${USAGE}`, 64);
  }

  let config;
  try {
    config = await loadAgentConfig(values.config);
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message, 2);
    throw err;
  }
  const log = createLogger();
  const exposure = configFileExposure(values.config, config);
  if (exposure) log.warn({ configFile: values.config }, exposure);
  const metrics = values['serve-status'] ? createAgentMetrics() : null;
  const agent = await createAgent(config, { log, observer: metrics?.observer });

  if (values.once) {
    try {
      const run = await agent.runOnce();
      process.stdout.write(`${summarize(run)}\n`);
      const left = agent.status().backlog;
      if (left.drops === 0) return 0;
      log.warn(
        {
          waiting: left.drops,
          bytes: left.bytes,
          oldestPulledAt: left.oldestPulledAt,
          reason: run.upload.error,
          retryAfterS: run.upload.retryAfterS ?? null,
          exitCode: EXIT_DROPS_WAITING,
        },
        'drops still wait for central after this run; they stay in the buffer and the next run uploads them',
      );
      return EXIT_DROPS_WAITING;
    } finally {
      await agent.close();
    }
  }

  let server: StatusServer | null = null;
  if (metrics) {
    server = await startStatusServer({
      agent,
      metrics,
      dataDir: config.dataDir,
      port: statusPort,
      log: log.child({ component: 'status-server' }),
      fetchReportPdf: (reportId) => agent.fetchReportPdf(reportId),
    });
    // How to open the UI, never the link itself: it holds the local access token, and this
    // output often ends in a log others can read (a 0644 file, the system journal).
    process.stdout.write(
      `park agent UI: open ${server.uiFile} in a browser (e.g. xdg-open ${server.uiFile}); ` +
        'the file holds the access link and is readable by this user only\n',
    );
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
  await server?.close();
  await agent.close();
  return 0;
}

/** `--status-port`: undefined when absent, null when not a port. */
function parsePort(value: string | undefined): number | undefined | null {
  if (value === undefined) return undefined;
  const n = Number(value);
  return /^\d+$/.test(value) && n <= 65535 ? n : null;
}

function fail(message: string, code: number): number {
  process.stderr.write(`agent: ${message}\n`);
  return code;
}

// Everything the agent writes (the buffer, blobs, the credentials key, the access token and
// its link) is its user's alone: 0700 folders, 0600 files, whatever umask it was started with.
process.umask(0o077);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A sentence for the person at the console; the stack only for what nobody put in words.
    const message = errorForPeople(err, 'starting or running the agent');
    const bug = err instanceof Error && message !== err.message ? `\n${err.stack ?? ''}` : '';
    process.stderr.write(`agent: ${message}${bug}\n`);
    process.exitCode = 1;
  },
);
