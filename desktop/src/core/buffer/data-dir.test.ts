import { chmodSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { openDataDir } from './data-dir.ts';

let base: { dir: string; remove(): Promise<void> };
beforeAll(async () => {
  base = await tempDir('data-dir');
});
afterAll(() => base.remove());

const modeOf = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('the data directory', () => {
  it('is created for its owner only (0700), whatever the umask of the process', async () => {
    const dir = path.join(base.dir, 'new', 'data');
    const data = await openDataDir(dir, silentLogger());
    data.close();
    expect(modeOf(dir)).toBe('700');
  });

  it('is narrowed to its owner when it was left open to others (0755)', async () => {
    const dir = path.join(base.dir, 'installer-made');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const data = await openDataDir(dir, silentLogger());
    data.close();
    expect(modeOf(dir)).toBe('700');
  });
});
