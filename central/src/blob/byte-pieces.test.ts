import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BytePieces } from './byte-pieces.ts';

/** `data` cut at random places into `count` pieces (some of them empty). */
function cut(data: Buffer, count: number): Buffer[] {
  const at = Array.from({ length: count - 1 }, () => Math.floor(Math.random() * data.length));
  at.sort((a, b) => a - b);
  return [0, ...at].map((start, i) => data.subarray(start, at[i] ?? data.length));
}

describe('BytePieces', () => {
  it('reads any range, hashes and joins as the same bytes in one buffer would', () => {
    for (let round = 0; round < 50; round++) {
      const data = randomBytes(1 + Math.floor(Math.random() * 5000));
      const held = new BytePieces(cut(data, 1 + Math.floor(Math.random() * 40)));
      expect(held.length).toBe(data.length);
      expect(held.sha256()).toBe(createHash('sha256').update(data).digest('hex'));
      expect(held.joined().equals(data)).toBe(true);
      for (let r = 0; r < 40; r++) {
        const start = Math.floor(Math.random() * (data.length + 10)) - 5;
        const end = start + Math.floor(Math.random() * 300) - 20;
        const expected = data.subarray(Math.max(start, 0), Math.max(end, 0));
        expect(held.range(start, end).equals(expected), `range ${start}–${end}`).toBe(true);
      }
    }
  });

  it('holds nothing as an empty body', () => {
    const held = new BytePieces([]);
    expect(held.length).toBe(0);
    expect(held.range(0, 10).length).toBe(0);
    expect(held.sha256()).toBe(createHash('sha256').digest('hex'));
  });

  it('writes every byte to a file, more pieces than one writev system call takes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zra-pieces-'));
    try {
      // IOV_MAX is 1024 on Linux: 3000 pieces cannot go in one call.
      const data = randomBytes(3 * 1024 * 1024);
      const held = new BytePieces(cut(data, 3000));
      const path = join(dir, 'drop.zip');
      const file = await open(path, 'wx');
      try {
        await held.writeTo(file);
      } finally {
        await file.close();
      }
      expect((await readFile(path)).equals(data)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
