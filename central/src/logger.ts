import { pino, type Logger } from 'pino';

/** JSON logs on stderr, so stdout stays free for CLI output (tokens, ids). */
export function createLogger(level: string, name = 'central'): Logger {
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}
