import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type http from 'node:http';
import type pg from 'pg';
import { cookieValue } from '../users/cookies.ts';
import { SESSION_COOKIE, sessionFor } from '../users/session-store.ts';

/** The files of a ready report, by the name in the URL. */
const KINDS = {
  pdf: { column: 'pdf_path', type: 'application/pdf', name: 'report.pdf' },
  html: { column: 'html_path', type: 'text/html; charset=utf-8', name: 'report.html' },
  summary: { column: 'summary_path', type: 'application/json', name: 'summary.json' },
} as const;

const PATH = /^\/files\/reports\/([0-9a-f-]{36})\/(pdf|html|summary)$/;

/** The URL of a ready report's file, as the dashboard links it. */
export function reportFileUrl(reportId: string, kind: keyof typeof KINDS): string {
  return `/files/reports/${reportId}/${kind}`;
}

function answer(res: http.ServerResponse, status: number, error: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error }));
}

/**
 * `GET /files/reports/<id>/<pdf|html|summary>` for a signed-in dashboard user (any role): the
 * session cookie, as for tRPC. A GET changes nothing, so no CSRF header is needed. The HTML is
 * served sandboxed (its own origin, no scripts), so a report cannot act as the dashboard.
 */
export async function serveReportFile(
  pool: pg.Pool,
  path: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'use GET');
  const m = PATH.exec(path);
  const kind = m?.[2] as keyof typeof KINDS | undefined;
  if (!m?.[1] || !kind) return answer(res, 404, `no such report file: ${path}`);
  const sessionId = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (!sessionId || !(await sessionFor(pool, sessionId))) {
    return answer(res, 401, 'not signed in, or the session expired: sign in again');
  }
  const spec = KINDS[kind];
  const r = await pool.query<{ path: string | null; state: string }>(
    `SELECT ${spec.column} AS path, state FROM reports WHERE id = $1`,
    [m[1]],
  );
  const row = r.rows[0];
  if (!row) return answer(res, 404, `there is no report ${m[1]}`);
  if (row.state !== 'ready' || !row.path) {
    return answer(res, 409, `report ${m[1]} is ${row.state}, not ready: no files yet`);
  }
  const size = await stat(row.path).then(
    (s) => s.size,
    () => null,
  );
  if (size === null) {
    return answer(res, 410, `the ${kind} file of report ${m[1]} is gone from the blob store`);
  }
  res.writeHead(200, {
    'content-type': spec.type,
    'content-length': String(size),
    'content-disposition': `${kind === 'pdf' ? 'attachment' : 'inline'}; filename="${spec.name}"`,
    'content-security-policy': 'sandbox',
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, no-store',
  });
  if (req.method === 'HEAD') return void res.end();
  await new Promise<void>((resolve, reject) => {
    createReadStream(row.path as string)
      .on('error', reject)
      .pipe(res)
      .on('finish', resolve)
      .on('error', reject);
  });
}
