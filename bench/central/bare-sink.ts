/**
 * The wire's own speed, for bench/central/ingest.ts: a bare Node HTTP server that takes the
 * same uploads as central's ingest (begin, chunks at offsets, commit) and does only what any
 * server must do to take responsibility for the bytes: write each chunk at its offset and
 * fsync it, hash while chunks arrive, and at commit compare the SHA-256 and rename the file
 * into place with an fsync of its folder. No database, no framework, no checks of the zip.
 *
 *   node_modules/.bin/tsx bench/central/bare-sink.ts DIR     (prints "listening on URL")
 *
 * Requests: POST /begin {"sha256","bytes"} → {"id"}; POST /chunk?id=…&offset=… (raw body) →
 * {"offset"}; POST /commit?id=… → {"ok"}; and a whole drop in one request, as central's
 * `ingest.put`: POST /put?sha256=… (raw body) → {"ok"}.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, rename, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: bare-sink.ts DIR');
mkdirSync(join(dir, 'uploads'), { recursive: true });
mkdirSync(join(dir, 'blobs'), { recursive: true });

interface Upload {
  path: string;
  sha256: string;
  bytes: number;
  received: number;
  hash: Hash;
}
const uploads = new Map<string, Upload>();

async function body(req: http.IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function answer(res: http.ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': text.length });
  res.end(text);
}

/** Moves a complete upload into place under its SHA-256, durably (the folder is synced too). */
async function keep(path: string, sha256: string): Promise<void> {
  await rename(path, join(dir as string, 'blobs', `${sha256}.zip`));
  const folder = await open(join(dir as string, 'blobs'), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sink');
  const data = await body(req);
  if (url.pathname === '/begin') {
    const { sha256, bytes } = JSON.parse(data.toString('utf8')) as {
      sha256: string;
      bytes: number;
    };
    const id = randomUUID();
    const path = join(dir as string, 'uploads', id);
    await writeFile(path, new Uint8Array(0));
    uploads.set(id, { path, sha256, bytes, received: 0, hash: createHash('sha256') });
    return answer(res, 200, { id });
  }
  if (url.pathname === '/put') {
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (sha256 !== url.searchParams.get('sha256')) {
      return answer(res, 400, { error: 'bytes do not match' });
    }
    const path = join(dir as string, 'uploads', randomUUID());
    const file = await open(path, 'w');
    try {
      await file.write(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await keep(path, sha256);
    return answer(res, 200, { ok: true });
  }
  const upload = uploads.get(url.searchParams.get('id') ?? '');
  if (!upload) return answer(res, 404, { error: 'no such upload' });
  if (url.pathname === '/chunk') {
    const offset = Number(url.searchParams.get('offset'));
    if (offset !== upload.received) return answer(res, 409, { offset: upload.received });
    const file = await open(upload.path, 'r+');
    try {
      await file.write(data, 0, data.length, offset);
      await file.sync();
    } finally {
      await file.close();
    }
    upload.hash.update(data);
    upload.received += data.length;
    return answer(res, 200, { offset: upload.received });
  }
  if (url.pathname === '/commit') {
    const sha256 = upload.hash.digest('hex');
    if (upload.received !== upload.bytes || sha256 !== upload.sha256) {
      return answer(res, 400, { error: 'bytes do not match' });
    }
    await keep(upload.path, sha256);
    uploads.delete(url.searchParams.get('id') ?? '');
    return answer(res, 200, { ok: true });
  }
  answer(res, 404, { error: 'unknown path' });
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err: unknown) => answer(res, 500, { error: String(err) }));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') {
    process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
  }
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
