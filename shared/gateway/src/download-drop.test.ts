import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSmallDrop, verifyDrop } from '@zra/shared';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDownload, type DownloadChecker } from './check-download.ts';
import { downloadDrop } from './download-drop.ts';
import { connectHttpGateway } from './http-gateway-client.ts';
import { startHttpGateway } from './testing/http-gateway.ts';
import { tempDir } from './testing/temp-dir.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const check: DownloadChecker = (file, fileName, receivedAt) =>
  checkDownload(verifyDrop, file, fileName, receivedAt);

/** A real HTTP gateway with `drops/` holding `files`, a client of it, and a temp folder. */
async function gatewayWith(files: { name: string; bytes: Buffer }[]) {
  const root = await tempDir('gw-download');
  cleanups.push(root.remove);
  const folder = path.join(root.dir, 'gw', 'drops');
  await mkdir(folder, { recursive: true });
  for (const f of files) {
    await writeFile(path.join(folder, f.name), f.bytes);
    await utimes(path.join(folder, f.name), new Date('2026-06-01'), new Date('2026-06-01'));
  }
  const gateway = await startHttpGateway(path.join(root.dir, 'gw'));
  cleanups.push(() => gateway.close());
  const client = connectHttpGateway(
    { type: 'http', url: gateway.url, timeoutSeconds: 30 },
    pino({ level: 'silent' }),
  );
  cleanups.push(() => client.close());
  const listed = await client.list('drops');
  return { client, listed, folder, tmp: (name: string) => path.join(root.dir, name) };
}

describe('downloadDrop (download to a temp file, fsync, hash, verify), from a real HTTP gateway', () => {
  it('gives the bytes, their SHA-256 and the verdict of a valid drop', async () => {
    const drop = generateSmallDrop({ park: 'gardaland', ride: 'r1' });
    const gw = await gatewayWith([{ name: drop.fileName, bytes: drop.zip }]);
    const [file] = gw.listed;
    if (!file) throw new Error('the gateway listed nothing');
    const tmp = gw.tmp('one.part');

    const got = await downloadDrop({
      client: gw.client,
      dir: 'drops',
      file,
      tmp,
      check,
      now: Date.now,
    });

    expect(got.size).toBe(drop.zip.length);
    expect(got.sha256).toBe(createHash('sha256').update(drop.zip).digest('hex'));
    expect(got.verdict).toMatchObject({ ok: true, manifest: { park: 'gardaland', ride: 'r1' } });
    expect(await readFile(tmp)).toEqual(drop.zip);
  });

  it('judges the drop as received at the clock it is given (window_in_future)', async () => {
    const drop = generateSmallDrop({ date: '2026-06-06', hour: 15 });
    const gw = await gatewayWith([{ name: drop.fileName, bytes: drop.zip }]);
    const [file] = gw.listed;
    if (!file) throw new Error('the gateway listed nothing');
    // A day before the window: its start lies far in this receiver's future.
    const now = () => Date.parse('2026-06-05T12:00:00Z');

    const got = await downloadDrop({
      client: gw.client,
      dir: 'drops',
      file,
      tmp: gw.tmp('x'),
      check,
      now,
    });

    expect(got.verdict).toMatchObject({ ok: false, code: 'window_in_future' });
  });

  it('fails a file whose size is no longer what the listing said (written to meanwhile)', async () => {
    const drop = generateSmallDrop();
    const gw = await gatewayWith([{ name: drop.fileName, bytes: drop.zip }]);
    const [file] = gw.listed;
    if (!file) throw new Error('the gateway listed nothing');
    await appendFile(path.join(gw.folder, drop.fileName), 'more');

    await expect(
      downloadDrop({
        client: gw.client,
        dir: 'drops',
        file,
        tmp: gw.tmp('x'),
        check,
        now: Date.now,
      }),
    ).rejects.toThrow(
      `the file changed while downloading (${drop.zip.length} -> ${drop.zip.length + 4} bytes)`,
    );
  });
});
