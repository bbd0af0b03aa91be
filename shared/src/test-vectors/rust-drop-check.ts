import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DropLimits } from '../drop/drop-limits.ts';

/** The Rust verifier's command-line front end (rust/crates/drop-format/src/bin). */
export const DROP_CHECK_BIN = fileURLToPath(
  new URL('../../../rust/target/release/drop-check', import.meta.url),
);

/** One drop for `drop-check --verify-many`: the shape of a test vector. */
export interface DropCheckRequest {
  path: string;
  fileName: string | null;
  receivedAt?: string;
  limits?: Partial<DropLimits>;
}

/** The Rust verifier's verdict on one drop. */
export type DropCheckVerdict =
  | { ok: true; sha256: string; contentId: string }
  | { ok: false; code: string; reason: string };

/**
 * Verifies many drops with one `drop-check --verify-many` process (starting a process per drop
 * would dominate the time); verdicts come back in request order.
 */
export async function rustVerifyMany(
  requests: readonly DropCheckRequest[],
): Promise<DropCheckVerdict[]> {
  if (!existsSync(DROP_CHECK_BIN)) {
    throw new Error(
      `${DROP_CHECK_BIN} is missing: build it with \`cargo build --release --manifest-path rust/Cargo.toml\`.`,
    );
  }
  const child = spawn(DROP_CHECK_BIN, ['--verify-many'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const exited = new Promise<number | null>((resolve, rejectExit) => {
    child.on('error', rejectExit);
    child.on('close', resolve);
  });
  // A child that dies early closes its stdin; its exit code and stderr say why.
  child.stdin.on('error', () => undefined);
  child.stdin.end(requests.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const code = await exited;
  if (code !== 0) {
    throw new Error(
      `drop-check --verify-many exited ${String(code)}: ${Buffer.concat(err).toString()}`,
    );
  }
  const lines = Buffer.concat(out)
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
  if (lines.length !== requests.length) {
    throw new Error(`drop-check answered ${lines.length} of ${requests.length} requests`);
  }
  return lines.map((l) => JSON.parse(l) as DropCheckVerdict);
}
