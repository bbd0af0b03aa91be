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
 * The job binary was told to stop (SIGTERM) because its worker is stopping: not the job's
 * failure, and not one of its attempts.
 */
export class JobStoppedError extends Error {
  override name = 'JobStoppedError';
}

/**
 * How long a job binary has to end after SIGTERM before it is killed. The Rust jobs end at
 * once (they keep the default SIGTERM action, and their outputs are renamed into place only
 * when complete), so this only bounds a binary that ignores the signal.
 */
export const STOP_GRACE_MS = 10_000;

/**
 * Runs a job binary (files in, files out) with a timeout. On failure the binary prints one
 * JSON line `{"error":{code,message}}` on stderr; that becomes a JobBinaryError.
 *
 * When `stop` is aborted (the worker got SIGTERM: its pod is being stopped), the binary gets
 * SIGTERM too, and SIGKILL {@link STOP_GRACE_MS} later if it is still running; the promise
 * then rejects with {@link JobStoppedError}. Only the worker process receives the pod's
 * SIGTERM (it is PID 1), so without this the binary would run on until the kubelet's SIGKILL.
 */
export function runJobBinary(
  path: string,
  args: string[],
  timeoutMs: number,
  stop?: AbortSignal,
): Promise<void> {
  if (stop?.aborted) {
    return Promise.reject(new JobStoppedError('the worker is stopping; the job was not started'));
  }
  return new Promise((resolve, reject) => {
    let stopped = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onStop = () => {
      stopped = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    };
    const child = execFile(
      path,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' },
      (err, _stdout, stderr) => {
        stop?.removeEventListener('abort', onStop);
        clearTimeout(killTimer);
        // A binary that finished before the signal took effect did its job.
        if (!err) return resolve();
        if (stopped) {
          return reject(
            new JobStoppedError(`${path} was stopped (SIGTERM) because its worker is stopping`),
          );
        }
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
    stop?.addEventListener('abort', onStop, { once: true });
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
