import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { BlobMissingError, type BlobRead, type BlobStore } from '../blob/blob-store.ts';
import { dependencyName, infrastructureFault } from '../infra/infrastructure-fault.ts';
import { parkForToken } from '../parks/park-store.ts';
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
 * session cookie, as for tRPC; or for a park agent, `Authorization: Bearer <park token>`,
 * limited to that park's reports (the agent's Reports screen). A GET changes nothing, so no CSRF header is needed. The HTML is
 * served sandboxed (its own origin, no scripts), so a report cannot act as the dashboard.
 * The file streams from the blob store (a volume or the object store), checked as it passes.
 */
export async function serveReportFile(
  pool: pg.Pool,
  blobs: BlobStore,
  path: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'use GET');
  const m = PATH.exec(path);
  const kind = m?.[2] as keyof typeof KINDS | undefined;
  if (!m?.[1] || !kind) return answer(res, 404, `no such report file: ${path}`);
  // A park agent sends its park token and sees only its own park's reports; a dashboard
  // user sends the session cookie and sees every report.
  let park: string | null = null;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer) {
    const identity = await parkForToken(pool, bearer);
    if (!identity) {
      return answer(res, 401, "park token not recognised: check the token in the agent's settings");
    }
    park = identity.id;
  } else {
    const sessionId = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (!sessionId || !(await sessionFor(pool, sessionId))) {
      return answer(res, 401, 'not signed in, or the session expired: sign in again');
    }
  }
  const spec = KINDS[kind];
  // Another park's report answers as if it did not exist: a token reveals nothing beyond its park.
  const r = await pool.query<{ path: string | null; state: string }>(
    `SELECT ${spec.column} AS path, state FROM reports WHERE id = $1 AND ($2::text IS NULL OR park_id = $2)`,
    [m[1], park],
  );
  const row = r.rows[0];
  if (!row) return answer(res, 404, `there is no report ${m[1]}`);
  if (row.state !== 'ready' || !row.path) {
    return answer(res, 409, `report ${m[1]} is ${row.state}, not ready: no files yet`);
  }
  let file: BlobRead;
  try {
    file = await blobs.read(row.path);
  } catch (err) {
    if (err instanceof BlobMissingError) {
      return answer(res, 410, `the ${kind} file of report ${m[1]} is gone from the blob store`);
    }
    const fault = infrastructureFault(err, 'blob-store');
    if (!fault) throw err;
    return answer(
      res,
      503,
      `central cannot reach ${dependencyName(fault.dependency)} right now: try again in a minute`,
    );
  }
  if (req.method === 'HEAD') file.stream.destroy();
  res.writeHead(200, {
    'content-type': spec.type,
    'content-length': String(file.size),
    'content-disposition': `${kind === 'pdf' ? 'attachment' : 'inline'}; filename="${spec.name}"`,
    'content-security-policy': 'sandbox',
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, no-store',
  });
  if (req.method === 'HEAD') return void res.end();
  // A failure mid-way (damaged bytes, the store gone) ends the response short of its length,
  // which the client sees as an error, and is logged by the caller.
  await pipeline(file.stream, res);
}
