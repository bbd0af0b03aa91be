import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadRideModels } from '../ride-model/ride-model.ts';
import { CliUsageError, parseCli } from './cli-options.ts';

const models = loadRideModels();
const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

describe('parseCli', () => {
  it('cycles a ride count through the known models with ids ride-1, ride-2, …', () => {
    const cmd = parseCli(['--out', '/tmp/x', '--rides', '3'], models);
    if (cmd.kind !== 'generate') throw new Error('expected generate');
    expect(cmd.options.rides).toEqual([
      { id: 'ride-1', model: 'discovery-revolution' },
      { id: 'ride-2', model: 'disko-coaster' },
      { id: 'ride-3', model: 'discovery-revolution' },
    ]);
    expect(cmd.options).toMatchObject({ park: 'gardaland-demo', hours: 24, rateHz: 50 });
    expect(cmd.options.timezone).toBe('Europe/Rome');
  });

  it('takes an explicit id:model list', () => {
    const cmd = parseCli(
      ['--out', 'd', '--rides', 'wheel:discovery-revolution,disk:disko-coaster'],
      models,
    );
    if (cmd.kind !== 'generate') throw new Error('expected generate');
    expect(cmd.options.rides.map((r) => r.id)).toEqual(['wheel', 'disk']);
  });

  it.each([
    [['--rides', '2'], /--out/],
    [['--out', 'd', '--rides', 'a:nope'], /unknown ride model "nope"/],
    [['--out', 'd', '--from', '2026-02-30'], /--from: expected a real calendar date/],
    [['--out', 'd', '--from', 'yesterday'], /--from/],
    [['--out', 'd', '--hours', '1.5'], /--hours: must be a whole number/],
    [['--out', 'd', '--timezone', 'Mars/Base'], /--timezone/],
    [['--out', 'd', '--rate-hz', 'fast'], /--rate-hz/],
    [['--out', 'd', '--rides', 'a:disko-coaster,a:disko-coaster'], /unique/],
    [['--out', 'd', '--colour', 'red'], /colour/],
  ])('refuses %j with a one-line reason', (argv, message) => {
    expect(() => parseCli(argv, models)).toThrow(CliUsageError);
    expect(() => parseCli(argv, models)).toThrow(message);
  });
});

describe('zra-generate', () => {
  it('exits 2 with one line on stderr for a bad flag', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', CLI, '--out', 'x', '--rides', 'a:nope'],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('writes the drops and says what it wrote, one line per ride and a total', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zra-generate-'));
    try {
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', CLI, '--out', dir, '--rides', '2', '--hours', '12', '--rate-hz', '1'],
        { encoding: 'utf8' },
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[2]).toMatch(/^total: 6 drops/);
      expect(readdirSync(dir).filter((f) => f.endsWith('.zip'))).toHaveLength(6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
