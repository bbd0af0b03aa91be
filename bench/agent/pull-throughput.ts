// Agent pull throughput (listing, download, fsync, verification, buffering) against OpenSSH's
// own `sftp` client fetching the same drops from the same private sshd with the same key.
//
//   npx tsx bench/agent/pull-throughput.ts [--megabytes 1000] [--rounds 3] [--verify-threads 2] [--in-flight 4]
//
// Prints the median of each and their ratio (agent MB/s ÷ sftp MB/s; target ≥ 1.0), and the
// same ratio for the agent's transport alone (its SFTP client downloading every file to disk,
// no fsync or verification), which separates the client's speed from the verification cost.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { verifyDrop } from '@zra/shared';
import { DropBuffer, pullRide } from '@zra/desktop';
import { connectGateway, createVerifierPool } from '@zra/gateway';
import { silentLogger } from '../../desktop/src/core/logger.ts';
import { rideOnGateway } from '../../desktop/src/core/testing/gateway-files.ts';
import { startSftpGateway } from '../../scripts/harness/sftp-gateway.ts';
import { startTcpProxy } from '../../scripts/harness/tcp-proxy.ts';
import { describeCpuUse, machineCpu } from '../lib/machine-cpu.ts';
import { median, megabytesPerSecond } from '../lib/stats.ts';
import { inflateAndHashCpu, verifyDropCpu } from './verification-floor.ts';
import { BENCH_PARK, BENCH_RIDE, benchDrops } from './bench-drops.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    megabytes: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    'verify-threads': { type: 'string', default: '2' },
    'in-flight': { type: 'string', default: '4' },
    'link-mbit': { type: 'string' },
  },
});
const megabytes = Number(values.megabytes);
const rounds = Number(values.rounds);
const verifyThreads = Number(values['verify-threads']);
const inFlight = Number(values['in-flight']);
const linkMbit = values['link-mbit'] === undefined ? null : Number(values['link-mbit']);
const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const drops = await benchDrops(megabytes, out);
const sshd = await startSftpGateway({ root: drops.dir });
// With --link-mbit every client reaches the gateway through one link of that speed, as an
// access node reaches a gateway across the park's network; loopback otherwise.
const link =
  linkMbit === null
    ? null
    : await startTcpProxy({
        targetHost: sshd.host,
        targetPort: sshd.port,
        bytesPerSecond: (linkMbit * 1e6) / 8,
      });
const gw = link ? { ...sshd, port: link.port } : sshd;
const log = silentLogger();
// As the agent does: one pool for the process, its threads started by the first check.
const pool = verifyThreads > 0 ? createVerifierPool(verifyThreads, log) : null;
const scratch = await mkdtemp(path.join(os.tmpdir(), 'zra-bench-pull-'));
out(
  `${drops.files.length} drops, ${(drops.bytes / 1e6).toFixed(0)} MB, ${rounds} rounds, ${inFlight} downloads in flight, ${verifyThreads} verifier threads, ${linkMbit === null ? 'loopback' : `a ${linkMbit} Mbit/s link`}`,
);

/** OpenSSH's client: one batch `get` of every drop into a fresh folder. */
async function sftpRound(): Promise<number> {
  const target = path.join(scratch, 'sftp');
  await rm(target, { recursive: true, force: true });
  await run('mkdir', ['-p', target]);
  const batch = path.join(scratch, 'batch');
  await writeFile(batch, `get *.zip ${target}/\n`);
  const t0 = performance.now();
  await run('sftp', [
    '-q',
    '-b',
    batch,
    '-i',
    gw.privateKeyPath,
    '-P',
    String(gw.port),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    `${gw.username}@${gw.host}`,
  ]);
  return (performance.now() - t0) / 1000;
}

/** The agent: one pull of the ride into a fresh buffer. */
async function agentRound(): Promise<number> {
  const dataDir = path.join(scratch, 'agent');
  await rm(dataDir, { recursive: true, force: true });
  const buffer = await DropBuffer.open(dataDir, log);
  try {
    const t0 = performance.now();
    const result = await pullRide(rideOnGateway(gw, BENCH_RIDE, '.'), {
      park: BENCH_PARK,
      buffer,
      connect: (r) => connectGateway(r.connection, log),
      verify: verifyDrop,
      ...(pool ? { check: pool.check } : {}),
      downloadsInFlight: inFlight,
      log,
      minAgeMs: 0,
    });
    const seconds = (performance.now() - t0) / 1000;
    if (result.buffered !== drops.files.length) {
      throw new Error(
        `the agent buffered ${result.buffered} of ${drops.files.length} drops: ${JSON.stringify(result.failed.slice(0, 3))}`,
      );
    }
    return seconds;
  } finally {
    buffer.close();
  }
}

/** The agent's SFTP client alone: list and download every drop (as many at once as the pull), nothing else. */
async function transportRound(): Promise<number> {
  const target = path.join(scratch, 'transport');
  await rm(target, { recursive: true, force: true });
  await run('mkdir', ['-p', target]);
  const t0 = performance.now();
  const client = await connectGateway(rideOnGateway(gw, BENCH_RIDE, '.').connection, log);
  try {
    const files = (await client.list('.')).filter((f) => f.name.endsWith('.zip'));
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let f = files[next++]; f; f = files[next++]) {
        await client.download('.', f.name, path.join(target, f.name));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, inFlight) }, lane));
  } finally {
    await client.close();
  }
  return (performance.now() - t0) / 1000;
}

const times = new Map<string, number[]>([
  ['sftp', []],
  ['transport', []],
  ['agent', []],
]);
const rounds_ = [
  ['sftp', sftpRound],
  ['transport', transportRound],
  ['agent', agentRound],
] as const;
try {
  for (let i = 0; i < rounds; i++) {
    // Rotate who goes first, so no one always meets a warmer page cache.
    for (let j = 0; j < rounds_.length; j++) {
      const [name, round] = rounds_[(i + j) % rounds_.length] ?? rounds_[0];
      const cpu = machineCpu();
      const s = await round();
      times.get(name)?.push(s);
      out(
        `round ${i + 1} ${name.padEnd(9)}: ${s.toFixed(2)} s, ${megabytesPerSecond(drops.bytes, s)} MB/s, ${describeCpuUse(cpu, machineCpu())}`,
      );
    }
  }
  const sftp = median(times.get('sftp') ?? []);
  const transport = median(times.get('transport') ?? []);
  const agent = median(times.get('agent') ?? []);
  const openssh = (await run('ssh', ['-V'])).stderr.trim().split(',')[0] ?? 'OpenSSH';
  out(
    `sftp -b get (${openssh}): median ${sftp.toFixed(2)} s, ${megabytesPerSecond(drops.bytes, sftp)} MB/s`,
  );
  out(
    `agent SFTP client alone (list, download): median ${transport.toFixed(2)} s, ${megabytesPerSecond(drops.bytes, transport)} MB/s`,
  );
  out(
    `agent pull (list, download, fsync, verify, buffer): median ${agent.toFixed(2)} s, ${megabytesPerSecond(drops.bytes, agent)} MB/s`,
  );
  out(`ratio agent SFTP client / sftp: ${(sftp / transport).toFixed(2)}`);
  out(`ratio agent pull / sftp: ${(sftp / agent).toFixed(2)} (target >= 1.0)`);
  // On loopback the link costs nothing, so what verification costs anyone bounds the ratio.
  if (link === null) {
    // Measured after the rounds, on the same files.
    const cores = os.cpus().length;
    const floor = await inflateAndHashCpu(drops);
    const verify = await verifyDropCpu(drops);
    out(
      `verification floor (inflate + CRC-32 + SHA-256 of every entry, nothing else): ${floor.toFixed(2)} CPU-s; ` +
        `even spread over all ${cores} cores with a free transport, a verifying client needs ${(floor / cores).toFixed(2)} s: at most ${((sftp * cores) / floor).toFixed(2)}x of sftp`,
    );
    out(
      `agent verifyDrop (all checks) on one thread: ${verify.toFixed(2)} CPU-s, ${((verify / drops.files.length) * 1000).toFixed(1)} ms per drop; over ${cores} cores at best ${((sftp * cores) / verify).toFixed(2)}x of sftp`,
    );
  }
} finally {
  await pool?.close();
  await link?.close();
  await sshd.stop();
  await rm(scratch, { recursive: true, force: true });
}
