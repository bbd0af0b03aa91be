import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './port.ts';

const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      servers.push(server);
      resolve(server);
    });
  });
}

const ephemeralStart = Number(
  readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
);

describe('freePort', () => {
  it('the failure it avoids: a port an outgoing connection holds as its own cannot be listened on', async () => {
    const server = await listen(0);
    const { port } = server.address() as net.AddressInfo;
    const client = net.connect(port, '127.0.0.1');
    sockets.push(client);
    await new Promise((r) => client.once('connect', r));
    const taken = client.localPort ?? 0;
    expect(taken).toBeGreaterThanOrEqual(ephemeralStart);
    await expect(listen(taken)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('hands out ports below the ephemeral range that a server can listen on at once', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(16_384);
      expect(port).toBeLessThan(ephemeralStart);
      await listen(port);
    }
  });
});
