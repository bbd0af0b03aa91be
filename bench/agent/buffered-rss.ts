// Memory of a running headless agent holding 20,000 drops that central has not acknowledged
// yet (the park's uplink is down): its peak and current RSS after start-up (buffer recovery),
// the start-up pull, a failed upload round and a few status and /metrics calls.
//
//   npx tsx bench/agent/buffered-rss.ts [--drops 20000]
//
// Target: peak RSS < 200 MB.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DropBuffer } from '@zra/desktop';
import { silentLogger } from '../../desktop/src/core/logger.ts';
import { manyDrops } from '../../desktop/src/core/faults/many-drops.ts';
import { rideOnGateway } from '../../desktop/src/core/testing/gateway-files.ts';
import { startSftpGateway } from '../../scripts/harness/sftp-gateway.ts';
import { waitFor } from '../../scripts/harness/wait-for.ts';

const { values } = parseArgs({ options: { drops: { type: 'string', default: '20000' } } });
const count = Number(values.drops);
const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const dir = await mkdtemp(path.join(os.tmpdir(), 'zra-bench-rss-'));
const dataDir = path.join(dir, 'data');
const gw = await startSftpGateway();
try {
  out(`recording ${count} buffered drops into ${dataDir} …`);
  const buffer = await DropBuffer.open(dataDir, silentLogger());
  for (const d of manyDrops(count)) {
    const tmp = buffer.blobs.tmpPath(d.fileName);
    await writeFile(tmp, d.zip);
    await buffer.recordPulledFile(
      tmp,
      { ride: 'r1', name: d.fileName, size: d.zip.length, mtimeMs: 0 },
      {
        sha256: d.sha256,
        contentId: d.sha256,
        ride: 'r1',
        fileName: d.fileName,
        sequence: null,
        windowStart: null,
        windowEnd: null,
        bytes: d.zip.length,
        state: 'buffered',
        reasonCode: null,
        reason: null,
      },
    );
  }
  buffer.close();

  const config = path.join(dir, 'agent.json');
  await writeFile(
    config,
    JSON.stringify({
      park: 'gardaland',
      dataDir,
      // Nothing listens there: the uplink is down, so every drop stays waiting.
      central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
      rides: [rideOnGateway(gw, 'r1', 'empty')],
    }),
  );
  const cli = path.resolve(import.meta.dirname, '../../desktop/src/core/cli.ts');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', cli, 'agent', '--config', config, '--serve-status'],
    {
      env: { ...process.env, ZRA_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  try {
    const port = await waitFor(
      'the agent status API',
      () => {
        const line = stderr.split('\n').find((l) => l.includes('local status API listening'));
        return Promise.resolve(line ? (JSON.parse(line) as { port: number }).port : null);
      },
      { timeoutMs: 120_000 },
    );
    const token = (await readFile(path.join(dataDir, 'status-token'), 'utf8')).trim();
    const get = async (p: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${p}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return res.text();
    };
    // The first upload round has failed (central is unreachable) and the start-up pull is done.
    await waitFor(
      'a failed upload round',
      async () => {
        const body = JSON.parse(await get('/trpc/status')) as {
          result: { data: { central: { failures: number }; backlog: { drops: number } } };
        };
        return body.result.data.central.failures > 0 && body.result.data.backlog.drops === count;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    for (let i = 0; i < 5; i++) {
      await get('/trpc/status');
      await get('/metrics');
    }
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const peak = kb('VmHWM') / 1024;
    const rss = kb('VmRSS') / 1024;
    out(
      `agent with ${count} buffered drops: peak RSS ${peak.toFixed(0)} MB, RSS now ${rss.toFixed(0)} MB (target peak < 200 MB)`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
} finally {
  await gw.stop();
  await rm(dir, { recursive: true, force: true });
}
