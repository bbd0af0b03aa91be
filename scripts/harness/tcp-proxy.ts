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

/** A listening TCP proxy a test controls, standing in for a flaky network link. */
export interface TcpProxy {
  /** The local port clients connect to (on 127.0.0.1). */
  port: number;
  /** `http://127.0.0.1:<port>`, for HTTP clients. */
  url: string;
  /** Bytes forwarded towards the target since the proxy started or `resetCount()`. */
  readonly bytesToTarget: number;
  resetCount(): void;
  /**
   * Cuts the link once `bytes` more bytes went towards the target: every open connection is
   * destroyed mid-stream (the chunk that crossed the line is not forwarded).
   */
  cutAfter(bytes: number): void;
  /** Destroys every open connection (both sides) and drops new ones until `restore()`. */
  cut(): void;
  /** Lets new connections through again. */
  restore(): void;
  /** How many times the link was cut. */
  readonly cuts: number;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 piping every connection to the target, for fault tests: a cut
 * behaves like a network outage (open connections reset, new ones dropped at once).
 * Accepts either explicit options or an `http(s)://host:port` URL of the target.
 */
export async function startTcpProxy(target: TcpProxyOptions | string): Promise<TcpProxy> {
  const options = typeof target === 'string' ? optionsFromUrl(target) : target;
  const sockets = new Set<net.Socket>();
  let isCut = false;
  let cuts = 0;
  let forwarded = 0;
  let cutAt: number | null = null;

  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A reset peer is the point of a cut, not a test failure.
    socket.on('error', () => socket.destroy());
  };
  const cut = () => {
    isCut = true;
    cutAt = null;
    cuts += 1;
    for (const socket of sockets) socket.destroy();
  };

  const server = net.createServer((client) => {
    track(client);
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = net.connect(options.targetPort, options.targetHost);
    track(upstream);
    const forward = (from: net.Socket, to: net.Socket, direction: ProxyDirection) => {
      from.on('data', (chunk: Buffer) => {
        options.onData?.(direction, chunk);
        if (direction === 'to-target' && cutAt !== null && forwarded + chunk.length >= cutAt) {
          cut();
        }
        if (isCut || to.destroyed) return;
        if (direction === 'to-target') forwarded += chunk.length;
        // Backpressure: a slow peer must not make the proxy buffer a whole upload.
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
      from.on('close', () => to.destroy());
    };
    forward(client, upstream, 'to-target');
    forward(upstream, client, 'to-client');
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
    get bytesToTarget() {
      return forwarded;
    },
    resetCount() {
      forwarded = 0;
    },
    cutAfter(bytes) {
      cutAt = forwarded + bytes;
    },
    cut,
    restore() {
      isCut = false;
    },
    get cuts() {
      return cuts;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
    },
  };
}

function optionsFromUrl(url: string): TcpProxyOptions {
  const parsed = new URL(url);
  const targetPort = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  return { targetHost: parsed.hostname, targetPort };
}
