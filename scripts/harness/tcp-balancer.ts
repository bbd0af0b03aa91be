import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A listening round-robin TCP balancer in front of several backends on 127.0.0.1. */
export interface TcpBalancer {
  port: number;
  /** `http://127.0.0.1:<port>`, for HTTP clients. */
  url: string;
  /** Connections handed to each backend port so far. */
  readonly handed: ReadonlyMap<number, number>;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * Hands each new connection to the next backend in turn, like a Kubernetes Service in front
 * of API replicas. A backend that refuses the connection (its process is down) is skipped for
 * that connection, as a Service drops a pod that failed its readiness probe; when every
 * backend refuses, the client's connection is closed.
 */
export async function startTcpBalancer(backendPorts: readonly number[]): Promise<TcpBalancer> {
  if (backendPorts.length === 0) throw new Error('a balancer needs at least one backend');
  const sockets = new Set<net.Socket>();
  const handed = new Map<number, number>(backendPorts.map((p) => [p, 0]));
  let next = 0;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const connect = (client: net.Socket, tried: number): void => {
    if (tried >= backendPorts.length || client.destroyed) {
      client.destroy();
      return;
    }
    const port = backendPorts[next % backendPorts.length] as number;
    next += 1;
    const upstream = net.connect({ host: '127.0.0.1', port, noDelay: true });
    const refused = () => {
      upstream.destroy();
      connect(client, tried + 1);
    };
    upstream.once('error', refused);
    upstream.once('connect', () => {
      upstream.off('error', refused);
      track(upstream);
      handed.set(port, (handed.get(port) ?? 0) + 1);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.resume();
    });
  };

  const server = net.createServer({ noDelay: true, pauseOnConnect: true }, (client) => {
    track(client);
    connect(client, 0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    handed,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
    },
  };
}
