import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, serveDashboardFile } from './dashboard-files.ts';

let root: string;
let built: string;
let servers: http.Server[] = [];

/** A bare node:http server that serves `dir` the way central does for non-API paths. */
async function serve(dir: string): Promise<string> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    void serveDashboardFile(dir, path, req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A raw GET, so `..` reaches the server as written (fetch would normalise it away). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method: 'GET', path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'zra-dashboard-files-'));
  built = join(root, 'dist');
  await mkdir(join(built, 'assets'), { recursive: true });
  await writeFile(join(built, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(join(built, 'assets', 'app-1234.js'), 'export {};');
  await writeFile(join(root, 'secret.txt'), 'outside the build');
});

afterAll(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  servers = [];
  await rm(root, { recursive: true, force: true });
});

describe('serveDashboardFile', () => {
  it('answers app paths with index.html under the CSP and assets with long caching', async () => {
    const base = await serve(built);
    const page = await fetch(`${base}/parks/alpha/rides/r1`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>app</title>');
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const js = await fetch(`${base}/assets/app-1234.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${base}/assets/app-9999.js`)).status).toBe(404);
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
  });

  it('never serves a file outside the build folder', async () => {
    const base = await serve(built);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const res = await rawGet(base, path);
      expect(res.body).not.toContain('outside the build');
    }
  });

  it('says how to build the dashboard when it is missing', async () => {
    const base = await serve(join(root, 'not-built'));
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('run npm run bootstrap');
  });
});
