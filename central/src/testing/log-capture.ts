import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { waitFor } from '../../../scripts/harness/wait-for.ts';

/** A logger for in-process central parts whose JSON lines a test can read back. */
export interface CapturedLog {
  log: Logger;
  lines: Record<string, unknown>[];
  /** The first line matching `match`, waiting for it up to `timeoutMs`. */
  waitFor(
    what: string,
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

/** pino at `level`, its lines parsed into `lines` as they are written. */
export function captureLog(level = 'info'): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      partial += chunk.toString('utf8');
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) {
        if (part) lines.push(JSON.parse(part) as Record<string, unknown>);
      }
      done();
    },
  });
  return {
    log: pino({ level }, sink),
    lines,
    waitFor: (what, match, timeoutMs = 30_000) =>
      waitFor(what, async () => lines.find(match), { timeoutMs, intervalMs: 50 }),
  };
}
