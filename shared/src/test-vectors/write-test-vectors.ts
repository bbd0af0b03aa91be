import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildTestVectors, type TestVector } from './build-test-vectors.ts';
import { verifyDrop, type VerifyDropOptions } from '../drop/verify-drop.ts';

/** Where the committed vectors live; the Rust drop-format tests read the same folder. */
export const TEST_VECTORS_DIR = fileURLToPath(new URL('../../test-vectors/', import.meta.url));

/** The options a vector is verified with: its file name, limits and reception time. */
export function verifyOptionsOf(
  v: Pick<TestVector, 'fileName' | 'limits' | 'receivedAt'>,
): VerifyDropOptions {
  return {
    ...(v.fileName === null ? {} : { fileName: v.fileName }),
    ...(v.limits ? { limits: v.limits } : {}),
    ...(v.receivedAt ? { receivedAt: new Date(v.receivedAt) } : {}),
  };
}

/** The `expected.json` content for the vectors: verdicts plus identities of the valid ones. */
export function expectedVerdicts(): unknown {
  return {
    format: 'zamperla.drop-test-vectors/v1',
    vectors: buildTestVectors().map((v) => {
      const result = verifyDrop(v.zip, verifyOptionsOf(v));
      if (result.ok !== (v.code === null) || (!result.ok && result.code !== v.code)) {
        const got = result.ok ? 'ok' : `${result.code}: ${result.reason}`;
        throw new Error(`${v.file}: expected ${v.code ?? 'ok'}, got ${got}`);
      }
      return {
        file: v.file,
        fileName: v.fileName,
        ...(v.limits ? { limits: v.limits } : {}),
        ...(v.receivedAt ? { receivedAt: v.receivedAt } : {}),
        about: v.about,
        ok: result.ok,
        ...(result.ok
          ? { sha256: result.sha256, contentId: result.contentId }
          : { code: result.code, reason: result.reason }),
      };
    }),
  };
}

// Run with `npx tsx shared/src/test-vectors/write-test-vectors.ts` after changing a rule on purpose.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const expected = expectedVerdicts();
  rmSync(`${TEST_VECTORS_DIR}drops`, { recursive: true, force: true });
  mkdirSync(`${TEST_VECTORS_DIR}drops`, { recursive: true });
  for (const v of buildTestVectors()) writeFileSync(`${TEST_VECTORS_DIR}drops/${v.file}`, v.zip);
  writeFileSync(`${TEST_VECTORS_DIR}expected.json`, `${JSON.stringify(expected, null, 2)}\n`);
  process.stdout.write(`wrote the test vectors to ${TEST_VECTORS_DIR}\n`);
}
