// Agent upload throughput (a put per drop that fits in a chunk, otherwise begin, chunks, commit,
// through its tRPC client, blob checks included) against curl sending the same bytes through the
// same requests to the same central process.
//
//   npx tsx bench/agent/upload-throughput.ts [--megabytes 200] [--rounds 3] [--chunk-mb 4]
//
// Prints the median of each and their ratio (agent MB/s ÷ curl MB/s; target ≥ 0.9).
//
// Central keeps one copy per park (dedup by content), so every round and every sender uses a
// park of its own; the drops name another park, so central verifies each in full and files it
// as `park_mismatch`: the same work for both senders.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createPark, startCentral } from '@zra/central';
import { createTestEnvironment } from '@zra/central/testing';
import { createCentralClient, DropBuffer } from '@zra/desktop';
import { chunkPlaceHeaders, DROP_PUT_PATH, dropPutHeaders, verifyDrop } from '@zra/shared';
import { silentLogger } from '../../desktop/src/core/logger.ts';
import { uploadBuffered } from '../../desktop/src/core/upload/upload.ts';
import { median, megabytesPerSecond } from '../lib/stats.ts';
import { benchDrops } from './bench-drops.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    megabytes: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    'chunk-mb': { type: 'string', default: '4' },
  },
});
const rounds = Number(values.rounds);
const chunkBytes = Number(values['chunk-mb']) * 1024 * 1024;
const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const drops = await benchDrops(Number(values.megabytes), out);
// Identities once, up front: neither sender is timed computing them.
const described: {
  name: string;
  file: string;
  sha256: string;
  contentId: string;
  bytes: number;
}[] = [];
for (const name of drops.files) {
  const file = path.join(drops.dir, name);
  const zip = await readFile(file);
  const v = verifyDrop(zip, { fileName: name });
  if (!v.ok) throw new Error(`${name}: ${v.reason}`);
  described.push({ name, file, sha256: v.sha256, contentId: v.contentId, bytes: zip.length });
}

const env = await createTestEnvironment('bench_upload');
const central = await startCentral(env.config, { publisher: false });
const log = silentLogger();
const scratch = await mkdtemp(path.join(os.tmpdir(), 'zra-bench-upload-'));
out(
  `${described.length} drops, ${(drops.bytes / 1e6).toFixed(0)} MB, chunks of ${chunkBytes / 1024 / 1024} MiB, ${rounds} rounds`,
);

let parks = 0;
async function newPark(): Promise<string> {
  const { token } = await createPark(env.pool, {
    id: `bench-${++parks}`,
    name: `Bench ${parks}`,
    timezone: 'Europe/Rome',
  });
  return token;
}

/** The agent: a buffer holding every drop (untimed), then one upload round. */
async function agentRound(): Promise<number> {
  const token = await newPark();
  const dataDir = path.join(scratch, 'agent');
  await rm(dataDir, { recursive: true, force: true });
  const buffer = await DropBuffer.open(dataDir, log);
  try {
    for (const d of described) {
      const tmp = buffer.blobs.tmpPath(d.name);
      await copyFile(d.file, tmp);
      await buffer.recordPulledFile(
        tmp,
        { ride: 'coaster', name: d.name, size: d.bytes, mtimeMs: 0 },
        {
          sha256: d.sha256,
          contentId: d.contentId,
          ride: 'coaster',
          fileName: d.name,
          sequence: null,
          windowStart: null,
          windowEnd: null,
          bytes: d.bytes,
          state: 'buffered',
          reasonCode: null,
          reason: null,
        },
      );
    }
    const client = createCentralClient(central.url, token);
    const t0 = performance.now();
    const result = await uploadBuffered({ buffer, client, log, chunkBytes });
    const seconds = (performance.now() - t0) / 1000;
    if (result.acknowledged !== described.length) {
      throw new Error(
        `the agent uploaded ${result.acknowledged} of ${described.length}: ${result.error}`,
      );
    }
    return seconds;
  } finally {
    buffer.close();
  }
}

/** curl: begin (JSON), each chunk (multipart, the bytes read from the file by curl), commit. */
async function curlRound(): Promise<number> {
  const token = await newPark();
  const base = `${central.url}/trpc`;
  const auth = ['-H', `authorization: Bearer ${token}`];
  const curl = async (args: string[]): Promise<unknown> => {
    const { stdout } = await run('curl', ['-sS', '--fail-with-body', ...auth, ...args], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return (JSON.parse(stdout) as { result: { data: unknown } }).result.data;
  };
  const json = ['-H', 'content-type: application/json', '--data-binary'];
  const t0 = performance.now();
  for (const d of described) {
    if (d.bytes <= chunkBytes) {
      // The request the agent sends for a drop that fits in one chunk: the whole file as the
      // body, what begin would be told in four headers.
      const info = { sha256: d.sha256, contentId: d.contentId, bytes: d.bytes, fileName: d.name };
      await curl([
        '-H',
        'content-type: application/octet-stream',
        ...Object.entries(dropPutHeaders(info)).flatMap(([name, value]) => [
          '-H',
          `${name}: ${value}`,
        ]),
        '--data-binary',
        `@${d.file}`,
        `${central.url}${DROP_PUT_PATH}`,
      ]);
      continue;
    }
    const begun = (await curl([
      ...json,
      JSON.stringify({
        sha256: d.sha256,
        contentId: d.contentId,
        bytes: d.bytes,
        fileName: d.name,
      }),
      `${base}/ingest.begin`,
    ])) as { status: string; uploadId: string };
    if (begun.status !== 'upload') throw new Error(`curl: begin answered ${begun.status}`);
    for (let offset = 0; offset < d.bytes; offset += chunkBytes) {
      const length = Math.min(chunkBytes, d.bytes - offset);
      // A whole-file chunk is sent straight from the file; a part is cut out first (untimed
      // work would favour curl, so the cut is timed too).
      let part = d.file;
      if (length !== d.bytes) {
        part = path.join(scratch, 'part');
        await run('dd', [
          `if=${d.file}`,
          `of=${part}`,
          'bs=65536',
          `skip=${offset}`,
          `count=${length}`,
          'iflag=skip_bytes,count_bytes',
          'status=none',
        ]);
      }
      // The request the agent sends: the bytes as the body, the place in two headers.
      await curl([
        '-H',
        'content-type: application/octet-stream',
        ...Object.entries(chunkPlaceHeaders({ uploadId: begun.uploadId, offset })).flatMap(
          ([name, value]) => ['-H', `${name}: ${value}`],
        ),
        '--data-binary',
        `@${part}`,
        `${base}/ingest.chunkBytes`,
      ]);
    }
    await curl([...json, JSON.stringify({ uploadId: begun.uploadId }), `${base}/ingest.commit`]);
  }
  return (performance.now() - t0) / 1000;
}

const agentTimes: number[] = [];
const curlTimes: number[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? [curlRound, agentRound] : [agentRound, curlRound];
    for (const round of order) {
      const s = await round();
      (round === curlRound ? curlTimes : agentTimes).push(s);
      out(
        `round ${i + 1} ${round === curlRound ? 'curl ' : 'agent'}: ${s.toFixed(2)} s, ${megabytesPerSecond(drops.bytes, s)} MB/s`,
      );
    }
  }
  const curl = median(curlTimes);
  const agent = median(agentTimes);
  out(
    `curl (the agent's requests: put, or begin, plain-body chunks, commit): median ${curl.toFixed(2)} s, ${megabytesPerSecond(drops.bytes, curl)} MB/s`,
  );
  out(
    `agent upload round: median ${agent.toFixed(2)} s, ${megabytesPerSecond(drops.bytes, agent)} MB/s`,
  );
  out(`ratio agent/curl throughput: ${(curl / agent).toFixed(2)} (target >= 0.9)`);
} finally {
  await central.close();
  await env.cleanup();
  await rm(scratch, { recursive: true, force: true });
}
