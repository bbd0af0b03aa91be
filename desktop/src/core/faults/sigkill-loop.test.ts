import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDrops } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';
import { DropBuffer } from '../buffer/drop-buffer.ts';
import type { AgentConfigInput } from '../settings/config.ts';
import { silentLogger } from '../logger.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { startTestCentral, type TestCentral } from '../testing/test-central.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { manyDrops } from './many-drops.ts';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
const SEED = Number(process.env.ZRA_FAULT_SEED ?? 20261128);
const ITERATIONS = Number(process.env.ZRA_SIGKILL_ITERATIONS ?? 20);
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let gw: SftpGateway;
let central: TestCentral;
const removals: (() => Promise<void>)[] = [];
beforeAll(async () => {
  [gw, central] = await Promise.all([
    startSftpGateway(),
    startTestCentral('agent_faults_sigkill', 'gardaland'),
  ]);
});
afterAll(async () => {
  for (const r of removals) await r();
  await Promise.all([gw?.stop(), central?.close()]);
});

/** mulberry32: a small seeded generator, so a failing run can be replayed with its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where a kill lands: after the n-th log line of a kind, plus a few milliseconds. */
interface KillPoint {
  after: string;
  count: number;
  delayMs: number;
}

// A drop recorded, moved on the gateway, acknowledged by central; or any line at all (so
// also mid-listing, mid-download, between chunks).
const EVENTS = [
  '"drop buffered"',
  '"gateway file handled after buffering"',
  '"drop acknowledged"',
  '"msg"',
];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `agent --once` in its own node process and kills it with SIGKILL at `kill`, if reached. */
function runAgent(config: string, kill: KillPoint | null): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'agent', '--config', config, '--once'],
      {
        env: { ...process.env, ZRA_LOG_LEVEL: 'info' },
      },
    );
    let stdout = '';
    let stderr = '';
    let armed = kill !== null;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!armed || !kill) return;
      if (stderr.split(kill.after).length - 1 >= kill.count) {
        armed = false;
        setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
      }
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe(`the agent killed with SIGKILL at random points of pull and upload (${ITERATIONS} runs, seed ${SEED})`, () => {
  it('buffers and uploads every drop exactly once, moves each off the gateway, and leaves no temp file or stray blob', async () => {
    const random = seeded(SEED);
    const remoteDir = 'sigkill';
    const done = 'sigkill-done';
    // Drops of several chunks (the generator's) and single-chunk ones, new ones every run.
    const big = generateDrops({
      park: 'gardaland',
      rides: [{ id: 'r1', model: 'disko-coaster' }],
      from: '2026-06-10',
      fromHour: 9,
      hours: 14,
      rateHz: 5,
      seed: SEED,
      rareEvents: false,
    }).map((d) => ({ fileName: d.fileName, zip: d.zip, sha256: sha256(d.zip) }));
    const small = manyDrops(3 * ITERATIONS, { start: 1000 });
    const all = [...big, ...small];
    const waiting = [...all];
    const putSome = async (n: number) => {
      for (const d of waiting.splice(0, n)) await putOnGateway(gw, remoteDir, d.fileName, d.zip);
    };
    await putSome(8);

    const t = await tempDir('faults-sigkill');
    removals.push(t.remove);
    const config: AgentConfigInput = {
      park: 'gardaland',
      dataDir: 'data',
      central: { url: central.url, token: central.token },
      rides: [rideOnGateway(gw, 'r1', remoteDir, { moveTo: done })],
      minAgeSeconds: 0,
      chunkBytes: 65536,
    };
    const file = path.join(t.dir, 'agent.json');
    await writeFile(file, JSON.stringify(config));
    const dataDir = path.join(t.dir, 'data');

    const kills: string[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const kill: KillPoint = {
        after: EVENTS[Math.floor(random() * EVENTS.length)] ?? '"msg"',
        count: 1 + Math.floor(random() * 4),
        delayMs: Math.floor(random() * 40),
      };
      const run = await runAgent(file, kill);
      expect(run.code === 0 || run.signal === 'SIGKILL', run.stderr.slice(-2000)).toBe(true);
      kills.push(
        `${kill.after}#${kill.count}+${kill.delayMs}ms: ${run.signal ?? `exit ${run.code}`}`,
      );
      await putSome(Math.ceil(all.length / ITERATIONS));
    }
    await putSome(all.length);
    // Most runs must really have been killed, or this test proves nothing.
    expect(kills.filter((k) => k.endsWith('SIGKILL')).length, kills.join('\n')).toBeGreaterThan(
      ITERATIONS / 2,
    );

    const last = await runAgent(file, null);
    expect(last.code, last.stderr.slice(-2000)).toBe(0);

    const buffer = await DropBuffer.open(dataDir, silentLogger());
    try {
      const recorded = buffer.list();
      expect(recorded.map((d) => d.sha256).sort()).toEqual(all.map((d) => d.sha256).sort());
      expect(recorded.filter((d) => d.state !== 'acknowledged')).toEqual([]);
      for (const d of recorded) {
        const blob = await readFile(buffer.blobs.blobPath(d.sha256));
        expect(sha256(blob)).toBe(d.sha256);
      }
      const blobs = (await readdir(path.join(dataDir, 'blobs'), { recursive: true })).filter((f) =>
        f.endsWith('.zip'),
      );
      expect(blobs).toHaveLength(all.length);
    } finally {
      buffer.close();
    }
    expect(await readdir(path.join(dataDir, 'tmp'))).toEqual([]);
    const stored = await central.query<{ sha256: string; n: string }>(
      'SELECT sha256, count(*) AS n FROM batches WHERE sha256 = ANY($1) GROUP BY sha256',
      [all.map((d) => d.sha256)],
    );
    expect(stored).toHaveLength(all.length);
    expect(stored.filter((b) => Number(b.n) !== 1)).toEqual([]);
    expect(
      (await readdir(path.join(gw.root, remoteDir))).filter((n) => n.endsWith('.zip')),
    ).toEqual([]);
    expect((await readdir(path.join(gw.root, done))).sort()).toEqual(
      all.map((d) => d.fileName).sort(),
    );
  }, 180_000); // 20 agent processes killed and restarted: well over a minute on a loaded 2-core machine
});
