import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UI_CSP, serveStaticFile, type StaticFileOptions } from './static-files.ts';

let dir: string;
let missing: string;
const servers: http.Server[] = [];

/** A real HTTP server over serveStaticFile; 418 marks what it left to the caller. */
async function serve(folder: string, options: StaticFileOptions): Promise<string> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    void serveStaticFile(folder, path, req, res, options).then((handled) => {
      if (!handled) {
        res.writeHead(418);
        res.end('left to the caller');
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zra-ui-files-'));
  missing = await mkdtemp(join(tmpdir(), 'zra-ui-missing-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(dir, 'favicon.svg'), '<svg/>');
  await writeFile(join(tmpdir(), 'zra-ui-secret.txt'), 'secret');
});

afterAll(async () => {
  for (const s of servers) s.close();
  await rm(dir, { recursive: true, force: true });
  await rm(missing, { recursive: true, force: true });
});

const spa = { spaFallback: true, notBuilt: 'not built: run the build' };

describe('serveStaticFile', () => {
  it('sends files with the one CSP, long-caching only hashed assets', async () => {
    const base = await serve(dir, spa);
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toBe(UI_CSP);
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const js = await fetch(`${base}/assets/index-abc123.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log(1)');
    const head = await fetch(`${base}/favicon.svg`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('6');
  });

  it('falls back to index.html for app routes, never for a missing asset', async () => {
    const base = await serve(dir, spa);
    const route = await fetch(`${base}/parks/alpha`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>app</title>');
    expect((await fetch(`${base}/assets/gone-1234.js`)).status).toBe(404);
  });

  it('leaves unknown routes and other methods to the caller without the fallback', async () => {
    const base = await serve(dir, { spaFallback: false, notBuilt: 'x' });
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/status`)).status).toBe(418);
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(418);
  });

  it('cannot be made to leave its folder', async () => {
    const base = await serve(dir, spa);
    for (const path of ['/..%2fzra-ui-secret.txt', '/%2e%2e/zra-ui-secret.txt', '/a%00b.js']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).not.toBe(200);
      expect(await res.text()).not.toBe('secret');
    }
    expect((await fetch(`${base}/%E0%A4%A`)).status).toBe(400);
  });

  it('says how to build the UI when the build is missing', async () => {
    const base = await serve(missing, spa);
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('not built: run the build\n');
  });
});
