import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleScratch } from './stale-scratch.ts';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function scratchRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'zra-scratch-'));
  roots.push(root);
  mkdirSync(join(root, 'tmp'));
  return root;
}

describe('removeStaleScratch', () => {
  it('removes a killed job’s leftovers and keeps files a live job may still use', async () => {
    const root = scratchRoot();
    const now = Date.parse('2026-12-03T12:00:00Z');
    const old = join(root, 'tmp', 'a.postprocess.json');
    const fresh = join(root, 'tmp', 'b.report-input.json');
    writeFileSync(old, '{}');
    writeFileSync(fresh, '{}');
    utimesSync(old, new Date(now - 11 * 60_000), new Date(now - 11 * 60_000));
    utimesSync(fresh, new Date(now - 9 * 60_000), new Date(now - 9 * 60_000));

    const removed = await removeStaleScratch(root, 10 * 60_000, pino({ level: 'silent' }), now);

    expect(removed).toBe(1);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });

  it('is a no-op when the folder does not exist yet', async () => {
    const root = mkdtempSync(join(tmpdir(), 'zra-scratch-'));
    roots.push(root);
    await expect(removeStaleScratch(root, 1, pino({ level: 'silent' }))).resolves.toBe(0);
  });
});
