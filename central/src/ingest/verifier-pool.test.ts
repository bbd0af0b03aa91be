import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { createVerifierPool, type VerifierPool } from './verifier-pool.ts';

let dir: string;
let pool: VerifierPool;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zra-verifier-'));
  pool = createVerifierPool(2, createLogger('silent'));
});

afterAll(async () => {
  await pool?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('drop verifier pool (worker threads)', () => {
  it('hashes and verifies a valid drop and rejects a corrupt one, for several commits at once', async () => {
    const good = buildTestDrop({ sequence: 1 });
    const goodPath = join(dir, 'good.zip');
    await writeFile(goodPath, good.zip);
    const bad = Buffer.from(good.zip);
    bad[bad.length - 30] = (bad[bad.length - 30] ?? 0) ^ 0xff;
    const badPath = join(dir, 'bad.zip');
    await writeFile(badPath, bad);
    const [g, b, g2] = await Promise.all([
      pool.check(goodPath, good.fileName),
      pool.check(badPath, good.fileName),
      pool.check(goodPath, good.fileName),
    ]);
    expect(g).toMatchObject({
      found: true,
      bytes: good.zip.length,
      sha256: createHash('sha256').update(good.zip).digest('hex'),
      verdict: { ok: true, manifest: { park: 'test-park', sequence: 1 } },
    });
    expect(g2).toEqual(g);
    expect(b).toMatchObject({ found: true, verdict: { ok: false } });
  });

  it('answers found: false for a file a concurrent commit removed, and survives a failed read', async () => {
    expect(await pool.check(join(dir, 'gone.zip'), 'gone.zip')).toEqual({ found: false });
    await expect(pool.check(dir, 'a-directory.zip')).rejects.toThrow(/drop verification failed/);
    const drop = buildTestDrop({ sequence: 2 });
    const path = join(dir, 'after.zip');
    await writeFile(path, drop.zip);
    expect((await pool.check(path, drop.fileName)).found).toBe(true);
  });
});
