import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliProcess } from './testing/cli-process.ts';
import { watchLogs } from './testing/process-logs.ts';
import { buildTestDrop } from './testing/test-drop.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  uploadDrop,
  type TestEnvironment,
} from './testing/test-central.ts';

let env: TestEnvironment;
let child: ChildProcess | undefined;

beforeAll(async () => {
  env = await createTestEnvironment('serve-commit');
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await env?.cleanup();
});

describe('serve as the image runs it (node --import tsx)', () => {
  it('verifies commits on its worker threads, quarantines a bad drop, and still exits 0 on SIGTERM', async () => {
    const token = await createTestPark(env.pool);
    // The verifier threads must load TypeScript the way the process itself does: the image's
    // entrypoint, not vitest's transform, which is what in-process tests exercise.
    const started = startCliProcess(env.config, ['serve'], {
      env: { PORT: '0', VERIFY_THREADS: '2', LOG_LEVEL: 'info' },
    });
    child = started.child;
    const exited = started.exited;
    const logs = watchLogs(child);
    const url = String((await logs.waitFor((l) => l.msg === 'central API listening')).url);
    const client = createParkClient(url, token);

    const good = buildTestDrop({ sequence: 1 });
    expect(await uploadDrop(client, good.zip, good.fileName)).toMatchObject({ status: 'stored' });
    const other = buildTestDrop({ park: 'another-park', sequence: 1 });
    expect(await uploadDrop(client, other.zip, other.fileName)).toMatchObject({
      status: 'quarantined',
      code: 'park_mismatch',
    });
    const corrupt = Buffer.from(buildTestDrop({ sequence: 2 }).zip);
    corrupt[corrupt.length - 30] = (corrupt[corrupt.length - 30] ?? 0) ^ 0xff;
    expect(await uploadDrop(client, corrupt, 'corrupt.zip')).toMatchObject({
      status: 'quarantined',
    });

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
