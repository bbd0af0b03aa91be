import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createPark } from '../parks/park-store.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';

let env: TestEnvironment;
let central: RunningCentral;
let tokenA: string;
let tokenB: string;
let reportId: string;
const PDF = Buffer.from('%PDF-1.7\nnot a real report, but its bytes must come back unchanged\n');

beforeAll(async () => {
  env = await createTestEnvironment('report-files');
  central = await startCentral(env.config, { publisher: false });
  ({ token: tokenA } = await createPark(env.pool, { id: 'park-a', name: 'A', timezone: 'UTC' }));
  ({ token: tokenB } = await createPark(env.pool, { id: 'park-b', name: 'B', timezone: 'UTC' }));
  reportId = randomUUID();
  const pdfPath = join(env.config.blobDir, 'report.pdf');
  await writeFile(pdfPath, PDF);
  await env.pool.query(
    `INSERT INTO reports (id, park_id, period_start, period_end, language, state, pdf_path, finished_at)
     VALUES ($1, 'park-a', '2026-06-06T00:00:00Z', '2026-06-07T00:00:00Z', 'en', 'ready', $2, now())`,
    [reportId, pdfPath],
  );
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

function get(authorization?: string) {
  return fetch(`${central.url}/files/reports/${reportId}/pdf`, {
    headers: authorization ? { authorization } : {},
  });
}

describe('GET /files/reports/<id>/pdf with a park token', () => {
  it("gives a park agent its own park's report", async () => {
    const res = await get(`Bearer ${tokenA}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(PDF);
  });

  it("answers another park's token as if the report did not exist", async () => {
    const res = await get(`Bearer ${tokenB}`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toContain(reportId);
  });

  it('refuses an unknown token and a request without any credential', async () => {
    const wrong = await get('Bearer not-a-park-token-000000000000');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/park token/);
    expect((await get()).status).toBe(401);
  });
});
