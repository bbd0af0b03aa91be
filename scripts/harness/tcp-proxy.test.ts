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
