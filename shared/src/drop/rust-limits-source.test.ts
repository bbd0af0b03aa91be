import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DROP_LIMITS, DROP_LIMITS_FILE } from './drop-limits.ts';
import { RUST_LIMITS_PATH, rustLimitsSource } from './rust-limits-source.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('drop limits, one source for TypeScript and Rust', () => {
  it('the Rust constants are exactly what drop-limits.json generates', () => {
    // A failure means someone edited one side only: run write-rust-limits.ts and rebuild.
    const committed = readFileSync(`${REPO_ROOT}${RUST_LIMITS_PATH}`, 'utf8');
    expect(committed).toBe(rustLimitsSource());
    expect(committed).toContain(
      `pub const MAX_ZIP_BYTES: u64 = ${DEFAULT_DROP_LIMITS.maxZipBytes};`,
    );
  });

  it('the TypeScript defaults are the numbers of drop-limits.json', () => {
    const raw: unknown = JSON.parse(
      readFileSync(fileURLToPath(new URL('./drop-limits.json', import.meta.url)), 'utf8'),
    );
    const { maxWindowStartAfterReceivedMs, ...zipLimits } = raw as Record<string, number>;
    expect(zipLimits.format).toBe('zamperla.drop-limits/v1');
    expect(DEFAULT_DROP_LIMITS).toEqual({ ...zipLimits, format: undefined });
    expect(DROP_LIMITS_FILE.maxWindowStartAfterReceivedMs).toBe(maxWindowStartAfterReceivedMs);
    // The contract's numbers (docs/job-contracts.md), so a change here is deliberate.
    expect(DEFAULT_DROP_LIMITS).toEqual({
      maxZipBytes: 128 * 1024 * 1024,
      maxEntries: 64,
      maxEntryBytes: 64 * 1024 * 1024,
      maxTotalBytes: 256 * 1024 * 1024,
      maxRatio: 100,
      ratioCheckAboveBytes: 1024 * 1024,
    });
    expect(maxWindowStartAfterReceivedMs).toBe(15 * 60 * 1000);
  });
});
