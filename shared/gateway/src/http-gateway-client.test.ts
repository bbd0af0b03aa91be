import { existsSync } from 'node:fs';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpConnectionConfig } from './connection.ts';
import { GatewayUnreachableError, type GatewayClient } from './gateway-client.ts';
import { connectHttpGateway } from './http-gateway-client.ts';
import { handleRemoteFile } from './remote-handling.ts';
import { startHttpGateway, type HttpGatewayOptions } from './testing/http-gateway.ts';
import { tempDir } from './testing/temp-dir.ts';

const log = pino({ level: 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const AUTH = { username: 'plc', password: 'gateway-secret-42' };

/** A real HTTP gateway on a temp folder, and a client of it (credentials as given). */
async function setup(
  conn: Partial<HttpConnectionConfig> = {},
  server: HttpGatewayOptions = { auth: AUTH },
) {
  const root = await tempDir('gw-http');
  cleanups.push(root.remove);
  const gateway = await startHttpGateway(root.dir, server);
  cleanups.push(() => gateway.close());
  const client: GatewayClient = connectHttpGateway(
    {
      type: 'http',
      url: `${gateway.url}/plc`,
      ...AUTH,
      timeoutSeconds: 60,
      ...conn,
    },
    log,
  );
  cleanups.push(() => client.close());
  const folder = path.join(root.dir, 'plc', 'drops');
  await mkdir(folder, { recursive: true });
  /** A file in the drop folder, modified at `mtime`. */
  const put = async (name: string, bytes: Buffer, mtime = new Date('2026-06-01T10:00:00Z')) => {
    const file = path.join(folder, name);
    await writeFile(file, bytes);
    await utimes(file, mtime, mtime);
    return file;
  };
  return { client, gateway, put, folder, tmp: root.dir };
}

describe('HTTP(S) gateway client (nginx-style JSON listing), against a real HTTP server', () => {
  it('lists the regular files with size and mtime, downloads one, and deletes it', async () => {
    const { client, gateway, put, folder, tmp } = await setup();
    const bytes = Buffer.from('zip bytes, as far as the client cares');
    const file = await put('a.zip', bytes);
    await put('notes.txt', Buffer.from('x'), new Date('2026-06-01T09:00:00Z'));
    await mkdir(path.join(folder, 'archive.zip'));

    const listed = await client.list('drops');
    expect(listed.sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { name: 'a.zip', size: bytes.length, mtimeMs: Date.parse('2026-06-01T10:00:00Z') },
      { name: 'notes.txt', size: 1, mtimeMs: Date.parse('2026-06-01T09:00:00Z') },
    ]);
    const local = path.join(tmp, 'a.zip.part');
    await client.download('drops', 'a.zip', local);
    expect(await readFile(local)).toEqual(bytes);

    expect(await handleRemoteFile(client, 'drops', 'a.zip', 'delete')).toBe('deleted');
    expect(existsSync(file)).toBe(false);
    expect(gateway.requests).toContain('DELETE /plc/drops/a.zip');
    expect(await handleRemoteFile(client, 'drops', 'notes.txt', 'keep')).toBe('kept');
    await expect(
      handleRemoteFile(client, 'drops', 'notes.txt', { moveTo: 'done' }),
    ).rejects.toThrow('an HTTP gateway cannot move files: set afterBuffer to "keep" or "delete"');
  });

  it('tells a missing folder from an existing one', async () => {
    const { client } = await setup();
    expect(await client.exists('drops')).toBe(true);
    expect(await client.exists('nowhere')).toBe(false);
  });

  it('says what to check when the gateway refuses the credentials', async () => {
    const { client } = await setup({ password: 'wrong' });
    await expect(client.list('drops')).rejects.toThrow(
      /the HTTP gateway answered 401 to list .*\/plc\/drops\/: check the user name and password in the ride settings$/,
    );
  });

  it('refuses a listing that does not follow the contract, naming the contract', async () => {
    const { client } = await setup({}, { auth: AUTH, listingOverride: { files: 'nope' } });
    await expect(client.list('drops')).rejects.toThrow(
      /listing at .* is not a JSON list of \{name, size, mtime\} \(see docs\/agent.md, "HTTP listing contract"/,
    );
  });

  it('fails a download that stops mid-file once it has been silent for the timeout', async () => {
    const { client, put, tmp } = await setup(
      { timeoutSeconds: 1 },
      {
        auth: AUTH,
        stallAfterBytes: 10,
      },
    );
    await put('a.zip', Buffer.alloc(1000, 7));
    await expect(client.download('drops', 'a.zip', path.join(tmp, 'a.part'))).rejects.toThrow(
      /the HTTP gateway stopped sending .*a\.zip for 1 s/,
    );
  });

  it('reports a gateway that does not answer at all as unreachable', async () => {
    const { client, gateway } = await setup();
    await gateway.close();
    const err = await client.list('drops').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayUnreachableError);
    expect((err as Error).message).toMatch(/cannot reach the HTTP gateway .*ECONNREFUSED/);
  });
});
