import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * The agent's structured logger. Logs go to stderr so a headless `--once` run keeps stdout
 * for its one-line summary; the level comes from `ZRA_LOG_LEVEL` (default `info`).
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'zra-agent',
      level: options.level ?? process.env.ZRA_LOG_LEVEL ?? 'info',
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything; the default for library callers and tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
