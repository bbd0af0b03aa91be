import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildTestVectors } from './build-test-vectors.ts';
import { TEST_VECTORS_DIR, expectedVerdicts } from './write-test-vectors.ts';

describe('shared test vectors', () => {
  const vectors = buildTestVectors();

  it('cover every rejection code and at least one valid drop', () => {
    const codes = new Set(vectors.map((v) => v.code));
    for (const code of [
      null,
      'zip_corrupt',
      'unsafe_entry_name',
      'zip_bomb',
      'manifest_missing',
      'manifest_invalid',
      'entry_missing',
      'entry_unlisted',
      'hash_mismatch',
      'size_mismatch',
      'entry_invalid',
      'name_mismatch',
    ]) {
      expect(codes.has(code as never), String(code)).toBe(true);
    }
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
