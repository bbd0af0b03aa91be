import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../core/testing/temp-dir.ts';
import { APP_SCHEME_PRIVILEGES, APP_URL, createAppProtocolHandler } from './app-protocol.ts';

let base: { dir: string; remove(): Promise<void> };
let handle: (request: Request) => Promise<Response>;
const SECRET = 'gateway password in a file beside the app';

beforeAll(async () => {
  base = await tempDir('app-protocol');
  // <base>/renderer is the built renderer; <base>/secret.txt and <base>/renderer-old are not.
  const renderer = path.join(base.dir, 'renderer');
  await mkdir(path.join(renderer, 'assets'), { recursive: true });
  await writeFile(path.join(renderer, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(path.join(renderer, 'assets', 'main-1a2b.js'), 'console.log(1)');
  await writeFile(path.join(renderer, 'assets', 'notes.txt'), 'not a renderer file type');
  await writeFile(path.join(base.dir, 'secret.txt'), SECRET);
  await mkdir(path.join(base.dir, 'renderer-old'));
  await writeFile(path.join(base.dir, 'renderer-old', 'index.html'), SECRET);
  handle = createAppProtocolHandler(renderer);
});
afterAll(() => base?.remove());

const get = (url: string) => handle(new Request(url));

describe('the app scheme (zra://agent)', () => {
  it("serves the renderer's page and assets with their types and the page's CSP", async () => {
    expect(APP_URL).toBe('zra://agent/index.html');
    for (const url of [APP_URL, 'zra://agent/', 'zra://AGENT/index.html#/drops']) {
      const res = await get(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('<title>app</title>');
    }
    const js = await get('zra://agent/assets/main-1a2b.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(js.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('never serves a file outside the renderer folder, however the path is written', async () => {
    for (const url of [
      'zra://agent/../secret.txt',
      'zra://agent/%2e%2e/secret.txt',
      'zra://agent/assets/..%2f..%2fsecret.txt',
      'zra://agent/..%2fsecret.txt',
      'zra://agent/..%5csecret.txt',
      'zra://agent/..%2frenderer-old%2findex.html',
      `zra://agent/${encodeURIComponent(path.join(base.dir, 'secret.txt'))}`,
      'zra://agent/index.html%00.js',
      'zra://agent/%E0%A4%A',
    ]) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(await res.text(), url).not.toContain(SECRET);
    }
  });

  it('answers only GET on its own host and only the file types the renderer has', async () => {
    expect((await get('zra://elsewhere/index.html')).status).toBe(404);
    expect((await get('zra://agent/assets/notes.txt')).status).toBe(404);
    expect((await get('zra://agent/assets/missing.js')).status).toBe(404);
    const post = await handle(new Request(APP_URL, { method: 'POST', body: 'x' }));
    expect(post.status).toBe(405);
  });

  it('says the installation is broken when the page itself is missing', async () => {
    const empty = await tempDir('app-protocol-empty');
    try {
      const res = await createAppProtocolHandler(empty.dir)(new Request(APP_URL));
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/install the app again/);
    } finally {
      await empty.remove();
    }
  });

  it('is a standard, secure scheme (relative URLs, an origin of its own, a secure context)', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({
      scheme: 'zra',
      privileges: { standard: true, secure: true, supportFetchAPI: true },
    });
  });
});
