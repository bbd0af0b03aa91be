import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpBalancer, type TcpBalancer } from './tcp-balancer.ts';

/** A backend that answers each connection with its name and closes it. */
async function startNamed(name: string): Promise<net.Server> {
  const server = net.createServer((socket) => socket.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** What one connection through the balancer receives before it closes. */
function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    net
      .connect(port, '127.0.0.1')
      .setEncoding('utf8')
      .on('data', (d: string) => (text += d))
      .on('close', () => resolve(text))
      .on('error', reject);
  });
}

const portOf = (s: net.Server) => (s.address() as AddressInfo).port;

describe('startTcpBalancer', () => {
  let balancer: TcpBalancer | undefined;
  const servers: net.Server[] = [];
  afterEach(async () => {
    await balancer?.close();
    for (const s of servers.splice(0)) s.close();
  });

  it('hands connections to each backend in turn', async () => {
    servers.push(await startNamed('a'), await startNamed('b'));
    balancer = await startTcpBalancer(servers.map(portOf));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await ask(balancer.port));
    expect(answers).toEqual(['a', 'b', 'a', 'b']);
  });

  it('skips a backend that refuses connections, and closes the client when none accepts', async () => {
    const a = await startNamed('a');
    const b = await startNamed('b');
    servers.push(a);
    const deadPort = portOf(b);
    await new Promise<void>((resolve) => b.close(() => resolve()));
    balancer = await startTcpBalancer([portOf(a), deadPort]);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await ask(balancer.port));
    expect(answers).toEqual(['a', 'a', 'a']);
    expect(balancer.handed.get(deadPort)).toBe(0);
    await new Promise<void>((resolve) => a.close(() => resolve()));
    expect(await ask(balancer.port)).toBe('');
  });
});
