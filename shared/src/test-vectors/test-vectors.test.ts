import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DROP_REJECTION_CODES } from '../drop/verify-result.ts';
import { buildTestVectors } from './build-test-vectors.ts';
import { TEST_VECTORS_DIR, expectedVerdicts } from './write-test-vectors.ts';

describe('shared test vectors', () => {
  const vectors = buildTestVectors();

  it('cover every rejection code and at least one valid drop', () => {
    const codes = new Set(vectors.map((v) => v.code));
    for (const code of [null, ...DROP_REJECTION_CODES]) {
      expect(codes.has(code), String(code)).toBe(true);
    }
    // too_large with the contract's own limits, not only with lowered ones.
    expect(vectors.some((v) => v.code === 'too_large' && !v.limits)).toBe(true);
  });

  it('are committed exactly as built, with the verdicts verifyDrop reaches today', () => {
    // A failure here means a rule changed: rerun write-test-vectors.ts and tell the Rust side.
    const committed = readdirSync(`${TEST_VECTORS_DIR}drops`).sort();
    expect(committed).toEqual(vectors.map((v) => v.file).sort());
    for (const v of vectors) {
      expect(readFileSync(`${TEST_VECTORS_DIR}drops/${v.file}`).equals(v.zip), v.file).toBe(true);
    }
    const expected: unknown = JSON.parse(readFileSync(`${TEST_VECTORS_DIR}expected.json`, 'utf8'));
    expect(expected).toEqual(expectedVerdicts());
  });
});
