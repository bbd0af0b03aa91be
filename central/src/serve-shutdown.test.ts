import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPark } from './parks/park-store.ts';
import { startCliProcess } from './testing/cli-process.ts';
import { watchLogs } from './testing/process-logs.ts';
import { buildTestDrop } from './testing/test-drop.ts';
import {
  createParkClient,
  createTestEnvironment,
  type TestEnvironment,
} from './testing/test-central.ts';

let env: TestEnvironment;
let child: ChildProcess | undefined;

beforeAll(async () => {
  env = await createTestEnvironment('shutdown');
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await env?.cleanup();
});

describe('serve shutdown', () => {
  it('finishes an upload chunk that is in flight when SIGTERM arrives, refuses new connections, and exits 0', async () => {
    const { token } = await createPark(env.pool, {
      id: 'shutdown-park',
      name: 'Shutdown Park',
      timezone: 'Europe/Rome',
    });
    // Node itself, not the tsx wrapper: the signal must reach the process that handles it,
    // not a relay whose timing depends on the machine's load.
    const started = startCliProcess(env.config, ['serve'], {
      env: { PORT: '0', LOG_LEVEL: 'debug' },
    });
    child = started.child;
    const exited = started.exited;
    const logs = watchLogs(child);
    const listening = await logs.waitFor((l) => l.msg === 'central API listening');
    const url = String(listening.url);

    const drop = buildTestDrop({ park: 'shutdown-park', sequence: 1 });
    const begun = await createParkClient(url, token).ingest.begin.mutate({
      sha256: createHash('sha256').update(drop.zip).digest('hex'),
      contentId: 'c'.repeat(64),
      bytes: drop.zip.length,
      fileName: drop.fileName,
    });
    if (begun.status !== 'upload') throw new Error(`expected a new upload, got ${begun.status}`);

    // The chunk request as the agent sends it, written in two halves around the SIGTERM.
    const form = new FormData();
    form.set('uploadId', begun.uploadId);
    form.set('offset', '0');
    form.set('chunk', new Blob([drop.zip]));
    const encoded = new Request('http://x/', { method: 'POST', body: form });
    const body = Buffer.from(await encoded.arrayBuffer());
    const req = http.request(`${url}/trpc/ingest.chunk`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': encoded.headers.get('content-type') ?? '',
        'content-length': body.length,
        'x-request-id': 'slow-chunk-1',
      },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.once('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.once('error', reject);
    });
    const half = Math.floor(body.length / 2);
    req.write(body.subarray(0, half));
    await logs.waitFor((l) => l.msg === 'request started' && l.requestId === 'slow-chunk-1');

    child.kill('SIGTERM');
    await logs.waitFor((l) => l.msg === 'stopped accepting; finishing in-flight requests');
    // A new TCP connection (agent: false), not a kept-alive one from the begin call.
    const refused = await new Promise<string>((resolve) => {
      http
        .get(`${url}/healthz`, { agent: false }, (res) => {
          res.resume();
          resolve(`answered ${res.statusCode}`);
        })
        .once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(refused).toBe('ECONNREFUSED');

    req.end(body.subarray(half));
    const answer = await response;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ result: { data: { offset: drop.zip.length } } });
    expect(await exited).toBe(0);
    const row = await env.pool.query<{ received_bytes: string }>(
      'SELECT received_bytes FROM uploads WHERE id = $1',
      [begun.uploadId],
    );
    expect(Number(row.rows[0]?.received_bytes)).toBe(drop.zip.length);
    expect(logs.lines.some((l) => l.msg === 'central API stopped')).toBe(true);
  });
});
