import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RUST_LIMITS_PATH, rustLimitsSource } from './rust-limits-source.ts';

/** The repository root, from this file's place in it. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// Run with `npx tsx shared/src/drop/write-rust-limits.ts` after changing drop-limits.json.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(`${REPO_ROOT}${RUST_LIMITS_PATH}`, rustLimitsSource());
  process.stdout.write(`wrote ${RUST_LIMITS_PATH}\n`);
}
