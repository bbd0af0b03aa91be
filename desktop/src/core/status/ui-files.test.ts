import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp-dir.ts';
import { serveUiFile, UI_CSP } from './ui-files.ts';

let root: { dir: string; remove: () => Promise<void> };
let server: http.Server;
let base: string;

beforeAll(async () => {
  root = await tempDir('ui-files');
  const ui = path.join(root.dir, 'renderer');
  await mkdir(path.join(ui, 'assets'), { recursive: true });
  await writeFile(path.join(ui, 'index.html'), '<!doctype html><title>agent</title>');
  await writeFile(path.join(ui, 'assets', 'app.js'), 'export {};');
  // A file beside the UI folder that must never be served.
  await writeFile(path.join(root.dir, 'status-token.html'), 'secret');
  server = http.createServer((req, res) => {
    void serveUiFile(ui, (req.url ?? '/').split('?')[0] ?? '/', req, res).then((served) => {
      if (!served) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await root.remove();
});

describe('serving the built renderer', () => {
  it('serves index.html at / and the assets, with the CSP and no sniffing', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(UI_CSP);
    expect(UI_CSP).toContain("script-src 'self'");
    expect(UI_CSP).toContain("connect-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>agent</title>');
    const js = await fetch(`${base}/assets/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('never serves a file outside the UI folder, nor an unknown type or method', async () => {
    const raw = (p: string) =>
      new Promise<number>((resolve, reject) => {
        // fetch normalises "..", a raw request does not.
        http
          .get({ host: '127.0.0.1', port: new URL(base).port, path: p }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
    expect(await raw('/../status-token.html')).toBe(404);
    expect(await raw('/%2e%2e/status-token.html')).toBe(404);
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${base}/`, { method: 'POST', body: '' })).status).toBe(404);
  });
});
