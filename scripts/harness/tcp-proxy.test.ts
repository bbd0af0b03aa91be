import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

/** A server that answers every connection with `payload`, then closes it. */
async function startSender(payload: Buffer): Promise<net.Server> {
  const server = net.createServer((socket) => socket.end(payload));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Everything the proxy delivers on one connection, and how long it took. */
function receive(port: number): Promise<{ data: Buffer; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    net
      .connect(port, '127.0.0.1')
      .on('data', (c: Buffer) => chunks.push(c))
      .on('end', () => resolve({ data: Buffer.concat(chunks), ms: performance.now() - started }))
      .on('error', reject);
  });
}

describe('startTcpProxy with a link speed', () => {
  let proxy: TcpProxy | undefined;
  let server: net.Server | undefined;
  afterEach(async () => {
    await proxy?.close();
    server?.close();
  });

  it('delivers every byte in order, never faster than the link', async () => {
    const payload = randomBytes(1024 * 1024);
    server = await startSender(payload);
    const bytesPerSecond = 4 * 1024 * 1024;
    proxy = await startTcpProxy({
      targetHost: '127.0.0.1',
      targetPort: (server.address() as AddressInfo).port,
      bytesPerSecond,
    });
    // Two connections share the one link: together they cannot beat its speed.
    const [a, b] = await Promise.all([receive(proxy.port), receive(proxy.port)]);
    expect(a.data.equals(payload)).toBe(true);
    expect(b.data.equals(payload)).toBe(true);
    // 2 MiB over 4 MiB/s: half a second, less the one millisecond the link may send early.
    expect(Math.max(a.ms, b.ms)).toBeGreaterThanOrEqual(
      ((2 * payload.length) / bytesPerSecond) * 1000 - 2,
    );
  });
});

/** A server that echoes every byte back. */
async function startEcho(): Promise<net.Server> {
  const server = net.createServer((socket) => socket.pipe(socket).on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Opens a connection and answers what happens to it: its replies, its end and its error. */
function openClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  const replies: Buffer[] = [];
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const ended = new Promise<string>((resolve) => {
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    socket.on('close', () => resolve('closed'));
  });
  socket.on('data', (c: Buffer) => replies.push(c));
  const reply = (text: string) =>
    new Promise<string>((resolve) => {
      socket.once('data', (c: Buffer) => resolve(c.toString()));
      socket.write(text);
    });
  return { socket, replies, connected, ended, reply };
}

describe('startTcpProxy faults', () => {
  let proxy: TcpProxy | undefined;
  let server: net.Server | undefined;
  afterEach(async () => {
    await proxy?.close();
    server?.close();
  });

  it('reset() ends open connections with ECONNRESET and refuses new ones until restore()', async () => {
    server = await startEcho();
    proxy = await startTcpProxy({
      targetHost: '127.0.0.1',
      targetPort: (server.address() as AddressInfo).port,
    });
    const client = openClient(proxy.port);
    expect(await client.reply('ping')).toBe('ping');
    proxy.reset();
    expect(await client.ended).toBe('ECONNRESET');
    expect(['closed', 'ECONNRESET']).toContain(await openClient(proxy.port).ended);
    proxy.restore();
    expect(await openClient(proxy.port).reply('again')).toBe('again');
  });

  it('blackhole() keeps connections open but answers nothing; restore() resets them and lets new ones through', async () => {
    server = await startEcho();
    proxy = await startTcpProxy({
      targetHost: '127.0.0.1',
      targetPort: (server.address() as AddressInfo).port,
    });
    const old = openClient(proxy.port);
    expect(await old.reply('ping')).toBe('ping');
    proxy.blackhole();
    old.socket.write('lost');
    const fresh = openClient(proxy.port);
    // The new connection is accepted (the kernel's handshake) but never answered.
    await fresh.connected;
    fresh.socket.write('hello?');
    await new Promise((r) => setTimeout(r, 300));
    expect(old.replies.map(String)).toEqual(['ping']);
    expect(fresh.replies).toEqual([]);
    expect(old.socket.destroyed || fresh.socket.destroyed).toBe(false);
    proxy.restore();
    expect(await old.ended).toBe('ECONNRESET');
    expect(await fresh.ended).toBe('ECONNRESET');
    expect(await openClient(proxy.port).reply('back')).toBe('back');
  });

  it('blackhole() does not pass on a close either: the server giving up stays unknown to the client', async () => {
    const serverSide: net.Socket[] = [];
    server = net.createServer((socket) => {
      serverSide.push(socket);
      socket.pipe(socket).on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    proxy = await startTcpProxy({
      targetHost: '127.0.0.1',
      targetPort: (server.address() as AddressInfo).port,
    });
    const client = openClient(proxy.port);
    expect(await client.reply('ping')).toBe('ping');
    proxy.blackhole();
    // The server ends the connection (as a broker does after missed heartbeats).
    for (const socket of serverSide) socket.destroy();
    const outcome = await Promise.race([
      client.ended,
      new Promise<string>((r) => setTimeout(() => r('still open'), 500)),
    ]);
    expect(outcome).toBe('still open');
    proxy.restore();
    expect(await client.ended).toBe('ECONNRESET');
  });
});
