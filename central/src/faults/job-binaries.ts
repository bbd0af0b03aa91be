import { access, chmod, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the stand-in postprocessor does before it hands over to the real one. */
export interface FaultyPostprocessorOptions {
  /** The folder of the real binaries (`rust/target/release`). */
  realBinDir: string;
  /** A drop whose arguments contain this string (its SHA-256) crashes with SIGSEGV, every time. */
  crashOn?: string;
  /**
   * The first run waits (after touching `started`) until the test calls `release()`; with
   * `abandon()` first it then exits 1 without output, as if its worker had died.
   */
  holdFirst?: boolean;
  /** Every run waits (after touching `started`) until the test calls `release()`. */
  holdAll?: boolean;
}

/** A RUST_BIN_DIR whose postprocessor injects faults; the reporter is the real one. */
export interface FaultyBinDir {
  dir: string;
  /** Resolves once the held first run has started. */
  started(): Promise<boolean>;
  release(): Promise<void>;
  /** The held run ends without doing the job once released. */
  abandon(): Promise<void>;
  /** Arguments of every run so far, one line each. */
  runs(): Promise<string[]>;
  remove(): Promise<void>;
}

/**
 * Writes a shell wrapper in front of the real postprocessor: it logs each run, crashes on the
 * poison drop (a real signal, the way a Rust panic with `abort` or a segfault ends), and can
 * hold its first run so a test can cut a connection or kill the worker mid-job.
 */
export async function faultyBinDir(options: FaultyPostprocessorOptions): Promise<FaultyBinDir> {
  const dir = await mkdtemp(join(tmpdir(), 'zra-faulty-bin-'));
  const real = join(options.realBinDir, 'postprocessor');
  const lines = ['#!/bin/sh', `echo "$*" >> "${dir}/runs"`];
  if (options.crashOn) lines.push(`case "$*" in *${options.crashOn}*) kill -SEGV $$ ;; esac`);
  if (options.holdFirst) {
    lines.push(
      `if mkdir "${dir}/held" 2>/dev/null; then`,
      `  touch "${dir}/started"`,
      `  while [ ! -f "${dir}/go" ]; do sleep 0.05; done`,
      `  if [ -f "${dir}/abandon" ]; then exit 1; fi`,
      'fi',
    );
  }
  if (options.holdAll) {
    lines.push(`touch "${dir}/started"`, `while [ ! -f "${dir}/go" ]; do sleep 0.05; done`);
  }
  lines.push(`exec "${real}" "$@"`, '');
  await writeFile(join(dir, 'postprocessor'), lines.join('\n'));
  await chmod(join(dir, 'postprocessor'), 0o755);
  await symlink(join(options.realBinDir, 'reporter'), join(dir, 'reporter'));
  const exists = (name: string) =>
    access(join(dir, name)).then(
      () => true,
      () => false,
    );
  return {
    dir,
    started: () => exists('started'),
    release: () => writeFile(join(dir, 'go'), ''),
    abandon: () => writeFile(join(dir, 'abandon'), ''),
    async runs() {
      const text = await readFile(join(dir, 'runs'), 'utf8').catch(() => '');
      return text.split('\n').filter((l) => l.length > 0);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
