import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DropBuffer } from './buffer/drop-buffer.ts';
import type { AgentConfigInput } from './settings/config.ts';
import { silentLogger } from './logger.ts';
import { putOnGateway, rideOnGateway } from './testing/gateway-files.ts';
import { startSftpGateway, type SftpGateway } from '../../../scripts/harness/sftp-gateway.ts';
import { tempDir } from './testing/temp-dir.ts';
import { buildTestDrop } from './testing/test-drop.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
// Nothing listens on port 1: uploads fail fast and drops stay buffered.
const UNREACHABLE_CENTRAL = 'http://127.0.0.1:1';

let gw: SftpGateway;
const removals: (() => Promise<void>)[] = [];
/** Agents still running: a test that fails or times out must not leave one behind. */
const running = new Set<ChildProcess>();
beforeAll(async () => {
  gw = await startSftpGateway();
});
afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  for (const r of removals) await r();
  await gw?.stop();
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in one node process (no tsx wrapper), so a signal reaches the agent itself. */
function runCli(
  args: string[],
  onStderr?: (text: string, kill: (signal?: NodeJS.Signals) => void) => void,
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { ...process.env, ZRA_LOG_LEVEL: 'info' },
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      onStderr?.(stderr, (signal = 'SIGKILL') => child.kill(signal));
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function writeConfig(remoteDir: string): Promise<{ file: string; dataDir: string }> {
  const t = await tempDir('cli');
  removals.push(t.remove);
  const config: AgentConfigInput = {
    park: 'gardaland',
    dataDir: 'data',
    central: { url: UNREACHABLE_CENTRAL, token: 'park-token-0123456789' },
    rides: [rideOnGateway(gw, 'r1', remoteDir)],
    minAgeSeconds: 1,
  };
  const file = path.join(t.dir, 'agent.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  return { file, dataDir: path.join(t.dir, 'data') };
}

describe('agent CLI', () => {
  it('exits 2 naming the bad field when the config is invalid', async () => {
    const t = await tempDir('cli-bad');
    removals.push(t.remove);
    const file = path.join(t.dir, 'agent.json');
    await writeFile(file, JSON.stringify({ park: 'gardaland', maxConcurrentPulls: 0 }));

    const run = await runCli(['agent', '--config', file, '--once']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('dataDir: missing: add this field');
    expect(run.stderr).toContain('maxConcurrentPulls:');
  });

  it('--once pulls, keeps drops buffered while central is unreachable, and says so in one line', async () => {
    const remoteDir = 'cli-once';
    for (const sequence of [1, 2]) {
      const drop = buildTestDrop({ sequence });
      await putOnGateway(gw, remoteDir, drop.fileName, drop.zip);
    }
    const { file } = await writeConfig(remoteDir);

    const run = await runCli(['agent', '--config', file, '--once']);

    // 75 (EX_TEMPFAIL): the drops are safe in the buffer and wait for the next run.
    expect(run.code).toBe(75);
    expect(run.stderr).toContain('"drops still wait for central after this run');
    expect(run.stderr).toContain('"waiting":2');
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^pulled 2 new drops from 1 ride; uploaded 0 \(1 failed\) \(stopped: central is unreachable/,
    );
    expect(lines[0]).toContain('buffer: 2 waiting, 0 acknowledged, 0 quarantined');
  });

  it("keeps its data its user's alone (folders 0700, files 0600) and warns of a config others can read", async () => {
    const remoteDir = 'cli-modes';
    const drop = buildTestDrop({ sequence: 1 });
    await putOnGateway(gw, remoteDir, drop.fileName, drop.zip);
    const { file, dataDir } = await writeConfig(remoteDir);
    // As an installer or a person might leave them: a data folder anyone can enter, a config
    // (with the park token) anyone can read.
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    chmodSync(file, 0o644);

    const run = await runCli(['agent', '--config', file, '--once']);
    expect(run.code).toBe(75); // central is away: the drop waits in the buffer

    const entries = [
      dataDir,
      ...readdirSync(dataDir, { recursive: true }).map((f) => path.join(dataDir, String(f))),
    ];
    const open = entries
      .map((p) => ({ p: path.relative(dataDir, p) || '.', s: statSync(p) }))
      .filter(({ s }) => (s.mode & 0o777) !== (s.isDirectory() ? 0o700 : 0o600))
      .map(({ p, s }) => `${p} ${(s.mode & 0o777).toString(8)}`);
    expect(open).toEqual([]);
    expect(entries.some((p) => p.endsWith('.zip'))).toBe(true); // the blob was checked too
    expect(entries.some((p) => p.endsWith('buffer.sqlite'))).toBe(true);
    expect(run.stderr).toContain(
      `holds the park token and other users of this computer can read it`,
    );
    expect(run.stderr).toContain(`chmod 600 ${file}`);
    expect(run.stderr).not.toContain('park-token-0123456789');

    chmodSync(file, 0o600);
    const quiet = await runCli(['agent', '--config', file, '--once']);
    expect(quiet.code).toBe(75);
    expect(quiet.stderr).not.toContain('other users of this computer can read it');
  });

  it('leaves a consistent buffer when killed with SIGKILL mid-pull, and the rerun completes it', async () => {
    const remoteDir = 'cli-kill';
    // Enough drops that the kill always lands mid-pull, even when a busy machine delays stderr.
    const drops = Array.from({ length: 100 }, (_, i) => buildTestDrop({ sequence: i + 1 }));
    for (const d of drops) await putOnGateway(gw, remoteDir, d.fileName, d.zip);
    const { file, dataDir } = await writeConfig(remoteDir);

    let killed = false;
    const first = await runCli(['agent', '--config', file, '--once'], (text, kill) => {
      // Kill as soon as a few drops are recorded: the agent is then mid-way through others.
      if (!killed && (text.match(/"drop buffered"/g) ?? []).length >= 3) {
        killed = true;
        kill();
      }
    });
    expect(first.signal).toBe('SIGKILL');

    const afterKill = await DropBuffer.open(dataDir, silentLogger());
    const partial = afterKill.list();
    afterKill.close();
    expect(partial.length).toBeGreaterThanOrEqual(3);
    expect(partial.length).toBeLessThan(drops.length);

    const second = await runCli(['agent', '--config', file, '--once']);
    // Central is unreachable here: every drop stays buffered, waiting for it.
    expect(second.code).toBe(75);

    const buffer = await DropBuffer.open(dataDir, silentLogger());
    try {
      const recorded = buffer.list();
      expect(recorded.map((d) => d.sha256).sort()).toEqual(drops.map((d) => d.sha256).sort());
      for (const d of recorded) {
        const blob = readFileSync(buffer.blobs.blobPath(d.sha256));
        expect(createHash('sha256').update(blob).digest('hex')).toBe(d.sha256);
      }
      expect(readdirSync(path.join(dataDir, 'tmp'))).toEqual([]);
      const blobs = readdirSync(path.join(dataDir, 'blobs'), { recursive: true }).filter((f) =>
        String(f).endsWith('.zip'),
      );
      expect(blobs).toHaveLength(drops.length);
    } finally {
      buffer.close();
    }
  });

  it('runs on its rules until SIGTERM, then stops its rules and loops and exits 0', async () => {
    const remoteDir = 'cli-term';
    const drop = buildTestDrop({ sequence: 1 });
    await putOnGateway(gw, remoteDir, drop.fileName, drop.zip);
    const { file, dataDir } = await writeConfig(remoteDir);

    let sent = false;
    const run = await runCli(['agent', '--config', file], (text, kill) => {
      if (!sent && text.includes('"drop buffered"')) {
        sent = true;
        kill('SIGTERM');
      }
    });

    // A cron task or retry timer left running would keep the process alive past the test.
    expect(run).toMatchObject({ code: 0, signal: null });
    expect(run.stderr).toContain('"stopping"');
    const buffer = await DropBuffer.open(dataDir, silentLogger());
    try {
      expect(buffer.list().map((d) => d.sha256)).toEqual([drop.sha256]);
    } finally {
      buffer.close();
    }
  });

  it('--serve-status serves the status API on 127.0.0.1 with the token from the data dir, until SIGTERM', async () => {
    const { file, dataDir } = await writeConfig('cli-serve');
    let answer: Promise<{ status: number; park: unknown }> | null = null;
    const run = await runCli(['agent', '--config', file, '--serve-status'], (text, kill) => {
      const line = text.split('\n').find((l) => l.includes('local status API listening'));
      if (answer || !line) return;
      const { port } = JSON.parse(line) as { port: number };
      answer = (async () => {
        const token = readFileSync(path.join(dataDir, 'status-token'), 'utf8').trim();
        const res = await fetch(`http://127.0.0.1:${port}/trpc/status`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = (await res.json()) as { result: { data: { park: unknown } } };
        return { status: res.status, park: body.result.data.park };
      })().finally(() => kill('SIGTERM'));
    });

    expect(run).toMatchObject({ code: 0, signal: null });
    expect(await answer).toEqual({ status: 200, park: 'gardaland' });
    // The UI link carries the token: neither stdout nor the log (both end in files others
    // can read, or the journal) shows it; they name the 0600 file that opens the UI.
    const token = readFileSync(path.join(dataDir, 'status-token'), 'utf8').trim();
    const uiFile = path.join(dataDir, 'open-ui.html');
    expect(run.stdout).toContain(`park agent UI: open ${uiFile}`);
    expect(run.stdout).not.toContain(token);
    expect(run.stderr).not.toContain(token);
    expect(statSync(uiFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(uiFile, 'utf8')).toContain(`#token=${token}`);
  });

  it('refuses --status-port without --serve-status, and a port that is not a number', async () => {
    const { file } = await writeConfig('cli-port');
    const alone = await runCli(['agent', '--config', file, '--status-port', '9100']);
    const bad = await runCli(['agent', '--config', file, '--serve-status', '--status-port', 'x']);
    expect([alone.code, bad.code]).toEqual([64, 64]);
    expect(alone.stderr).toContain('--status-port needs --serve-status');
    expect(bad.stderr).toContain('--status-port must be a port number');
  });
});
