import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** Which way a chunk travelled through the proxy. */
export type ProxyDirection = 'to-target' | 'to-client';

/** Options of {@link startTcpProxy}. */
export interface TcpProxyOptions {
  targetHost: string;
  targetPort: number;
  /**
   * Called with each chunk before it is forwarded; a test may call `cut()` from here to break
   * the connection at an exact point of a protocol exchange (the chunk is then dropped).
   */
  onData?: (direction: ProxyDirection, chunk: Buffer) => void;
}

/** A listening TCP proxy a test can cut and restore. */
export interface TcpProxy {
  /** The local port clients connect to (on 127.0.0.1). */
  port: number;
  /** Destroys every open connection (both sides) and drops new ones until `restore()`. */
  cut(): void;
  /** Lets new connections through again. */
  restore(): void;
  /** How many times `cut()` was called. */
  readonly cuts: number;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 piping every connection to the target, for fault tests: `cut()`
 * behaves like a network outage (open connections reset, new ones dropped at once).
 */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let isCut = false;
  let cuts = 0;

  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A reset peer is the point of a cut, not a test failure.
    socket.on('error', () => socket.destroy());
  };

  const server = net.createServer((client) => {
    track(client);
    if (isCut) {
      client.destroy();
      return;
    }
    const target = net.connect(options.targetPort, options.targetHost);
    track(target);
    const forward = (from: net.Socket, to: net.Socket, direction: ProxyDirection) => {
      from.on('data', (chunk: Buffer) => {
        options.onData?.(direction, chunk);
        if (isCut || to.destroyed) return;
        to.write(chunk);
      });
      from.on('close', () => to.destroy());
    };
    forward(client, target, 'to-target');
    forward(target, client, 'to-client');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  const destroyAll = () => {
    for (const socket of sockets) socket.destroy();
  };

  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      isCut = true;
      cuts += 1;
      destroyAll();
    },
    restore() {
      isCut = false;
    },
    get cuts() {
      return cuts;
    },
    close() {
      destroyAll();
      return new Promise<void>((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
    },
  };
}
