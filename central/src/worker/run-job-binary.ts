import { execFile } from 'node:child_process';
import { z } from 'zod';

const stderrErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

/** A Rust job that did not succeed, with what it said about why. */
export class JobBinaryError extends Error {
  override name = 'JobBinaryError';
  constructor(
    message: string,
    /** The job's own error code (e.g. `zip_corrupt`), `timeout`, or `crashed`. */
    readonly code: string,
    /** 2 = invalid drop, 3 = invalid arguments or input, 1 = anything else. */
    readonly exitCode: number | null,
    /** The signal that ended it (a crash), if one did. */
    readonly signal: string | null = null,
  ) {
    super(message);
  }
}

/**
 * Runs a job binary (files in, files out) with a timeout. On failure the binary prints one
 * JSON line `{"error":{code,message}}` on stderr; that becomes a JobBinaryError.
 */
export function runJobBinary(path: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      path,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        const e = err as NodeJS.ErrnoException & {
          killed?: boolean;
          signal?: string | null;
          code?: number | string;
        };
        if (e.code === 'ENOENT') {
          return reject(
            new JobBinaryError(
              `job binary not found at ${path}: build it (cargo build --release --manifest-path rust/Cargo.toml) or set RUST_BIN_DIR`,
              'binary_missing',
              null,
            ),
          );
        }
        if (e.killed) {
          return reject(
            new JobBinaryError(
              `${path} ran longer than ${timeoutMs} ms and was killed`,
              'timeout',
              null,
              'SIGKILL',
            ),
          );
        }
        const exitCode = typeof e.code === 'number' ? e.code : null;
        const signal = e.signal ?? null;
        const parsed = parseStderr(stderr);
        // The raw stderr may hold paths and panics: it goes to the log (err), not to people.
        reject(
          parsed
            ? new JobBinaryError(parsed.message, parsed.code, exitCode, signal)
            : new JobBinaryError(
                `${path} failed (exit ${exitCode ?? signal ?? '?'}): ${stderr.trim().slice(-500) || e.message}`,
                'crashed',
                exitCode,
                signal,
              ),
        );
      },
    );
  });
}

function parseStderr(stderr: string): { code: string; message: string } | null {
  // The JSON error is the last line; anything before it is diagnostic noise.
  const lines = stderr.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      const parsed = stderrErrorSchema.safeParse(JSON.parse(line));
      if (parsed.success) return parsed.data.error;
    } catch {
      // not JSON: keep looking
    }
  }
  return null;
}
