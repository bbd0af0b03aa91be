import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfigInput } from '../settings/config.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { startTestCentral, type TestCentral } from '../testing/test-central.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';

// Issue 14.9: `agent --once` against a central that answers 429 (its per-token rate limit).

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
let gw: SftpGateway;
let folders = 0;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  gw = await startSftpGateway();
});
afterAll(async () => {
  await gw?.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** What `agent --once` logs when central's 429 makes it wait. */
const WAITING = 'waiting before the next upload round';

function runOnce(
  config: string,
  onStderr: (text: string) => void = () => undefined,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'agent', '--config', config, '--once'],
      { env: { ...process.env, ZRA_LOG_LEVEL: 'info' } },
    );
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      onStderr(stderr);
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Central limited to `perSecond` ingest calls after `burst`, and an agent config with 3 drops. */
async function setup(
  perSecond: number,
  burst: number,
): Promise<{ central: TestCentral; config: string }> {
  const central = await startTestCentral(`agent_once_429_${++folders}`, 'gardaland', {
    ingestRateLimit: { perSecond, burst },
  });
  cleanups.push(() => central.close());
  const remoteDir = `once-429-${folders}`;
  // Each drop takes three ingest calls (begin, one chunk, commit): nine in all.
  for (const hour of [10, 11, 12]) {
    const d = buildTestDrop({ windowStart: `2026-07-02T${hour}:00:00Z` });
    await putOnGateway(gw, remoteDir, d.fileName, d.zip);
  }
  const t = await tempDir('once-429');
  cleanups.push(t.remove);
  const config: AgentConfigInput = {
    park: 'gardaland',
    dataDir: 'data',
    central: { url: central.url, token: central.token },
    rides: [rideOnGateway(gw, 'r1', remoteDir)],
    minAgeSeconds: 0,
  };
  const file = path.join(t.dir, 'agent.json');
  await writeFile(file, JSON.stringify(config));
  return { central, config: file };
}

/**
 * Spends the park token's rate-limit bucket until `stop()`: calls of `ingest.begin` with no
 * input, each of which takes a token before central looks at the input. While it runs the
 * bucket is empty, so the agent's calls are refused whatever the machine's load; once it
 * stops the bucket refills at central's rate. Bounded to a minute.
 */
function spendBucket(central: TestCentral): { stop: () => Promise<number> } {
  let stopped = false;
  let refused = 0;
  const until = Date.now() + 60_000;
  const loop = async () => {
    while (!stopped && Date.now() < until) {
      const res = await fetch(`${central.url}/trpc/ingest.begin`, {
        method: 'POST',
        headers: { authorization: `Bearer ${central.token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      await res.arrayBuffer();
      if (res.status === 429) refused++;
    }
  };
  // Several loops, so a slow machine still takes every token as it comes.
  const loops = Promise.all([loop(), loop(), loop()]);
  return {
    async stop() {
      stopped = true;
      await loops;
      return refused;
    },
  };
}

async function committed(central: TestCentral): Promise<number> {
  const [row] = await central.query<{ n: string }>(
    `SELECT count(*) AS n FROM batches WHERE park_id = 'gardaland'`,
  );
  return Number(row?.n ?? 0);
}

describe('agent --once and central rate limit', () => {
  it('waits out the retry-after central gives and uploads every drop, exit 0', async () => {
    // Three calls per second: a retry-after of one second covers a whole drop (three calls).
    // The test empties the bucket until the agent has been refused and waits; a loaded
    // machine's slow agent would otherwise never call fast enough to be refused.
    const { central, config } = await setup(3, 3);
    const spender = spendBucket(central);
    let stopping: Promise<number> | null = null;

    const run = await runOnce(config, (stderr) => {
      if (stderr.includes(WAITING)) stopping ??= spender.stop();
    });
    const spent = await (stopping ?? spender.stop());

    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toMatch(/^pulled 3 new drops from 1 ride; uploaded 3;/);
    expect(spent).toBeGreaterThan(0);
    expect(run.stderr).toContain(WAITING);
    expect(await committed(central)).toBe(3);
  });

  it('stops when the wait would pass two minutes, says what is left, and exits 75', async () => {
    // One call per 200 s after a burst of three (one drop): central asks for minutes, more
    // than a scheduled run should wait.
    const { central, config } = await setup(0.005, 3);

    const run = await runOnce(config);

    expect(run.code).toBe(75);
    expect(run.stdout).toMatch(/^pulled 3 new drops from 1 ride; uploaded 1 /);
    expect(run.stdout).toMatch(/central asks to wait \d+ s more: run again later/);
    expect(run.stdout).toContain('buffer: 2 waiting, 1 acknowledged');
    const left = run.stderr
      .split('\n')
      .filter((l) => l.includes('drops still wait for central after this run'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(left).toEqual([
      expect.objectContaining({
        waiting: 2,
        exitCode: 75,
        retryAfterS: expect.any(Number),
        reason: expect.stringContaining('TOO_MANY_REQUESTS'),
      }),
    ]);
    expect(left[0]?.retryAfterS).toBeGreaterThan(120);
    expect(await committed(central)).toBe(1);
  });
});
