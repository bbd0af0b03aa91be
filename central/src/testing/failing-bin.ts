import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stand-in RUST_BIN_DIR whose job binaries fail the way the contract says a job fails: one
 * JSON error line with `code` (default `simulated`) and `message` on stderr, then `exitCode`.
 */
export async function failingBinDir(
  exitCode: number,
  message: string,
  code = 'simulated',
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'zra-failing-bin-'));
  const script = `#!/bin/sh\necho '{"error":{"code":"${code}","message":"${message}"}}' >&2\nexit ${exitCode}\n`;
  for (const name of ['postprocessor', 'reporter']) {
    await writeFile(join(dir, name), script);
    await chmod(join(dir, name), 0o755);
  }
  return dir;
}
