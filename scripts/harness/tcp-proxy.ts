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
  /**
   * The speed of the link in bytes per second, each way, shared by every connection (like one
   * network cable); unlimited when absent. For benchmarks that compare clients over a link
   * slower than loopback.
   */
  bytesPerSecond?: number;
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
  /**
   * Resets every open connection (TCP RST, as a peer that crashed or a firewall that lost the
   * connection answers) and drops new ones until `restore()`.
   */
  reset(): void;
  /**
   * A link that silently stops answering (a NAT or conntrack entry lost): open connections stay
   * open but nothing crosses them any more, new connections are accepted and then never
   * answered. Only timeouts and keepalives notice. `restore()` resets the connections that
   * lived through it (their state is gone on the far side) and lets new ones through.
   */
  blackhole(): void;
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
 * Accepts either explicit options or a URL of the target (http, https, postgres, amqp).
 */
export async function startTcpProxy(target: TcpProxyOptions | string): Promise<TcpProxy> {
  const options = typeof target === 'string' ? targetOfUrl(target) : target;
  const sockets = new Set<net.Socket>();
  let isCut = false;
  let isBlackholed = false;
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
  const reset = () => {
    isCut = true;
    cutAt = null;
    cuts += 1;
    for (const socket of sockets) socket.resetAndDestroy();
  };
  const blackhole = () => {
    isBlackholed = true;
    // Unread bytes stay in the kernel's buffers: the peers see their data accepted, no reply.
    for (const socket of sockets) socket.pause();
  };

  const links: Record<ProxyDirection, LinkPacer | null> = {
    'to-target': options.bytesPerSecond ? new LinkPacer(options.bytesPerSecond) : null,
    'to-client': options.bytesPerSecond ? new LinkPacer(options.bytesPerSecond) : null,
  };

  const server = net.createServer({ noDelay: true }, (client) => {
    track(client);
    if (isCut) {
      client.destroy();
      return;
    }
    if (isBlackholed) {
      // Accepted (the handshake is the kernel's), then never answered nor forwarded.
      client.pause();
      return;
    }
    // No Nagle delays of the proxy's own: the clients compared decide theirs.
    const upstream = net.connect({
      port: options.targetPort,
      host: options.targetHost,
      noDelay: true,
    });
    track(upstream);
    const forward = (from: net.Socket, to: net.Socket, direction: ProxyDirection) => {
      from.on('data', (chunk: Buffer) => {
        options.onData?.(direction, chunk);
        if (direction === 'to-target' && cutAt !== null && forwarded + chunk.length >= cutAt) {
          cut();
        }
        // Chunks already read when the blackhole began are lost with the connection.
        if (isCut || isBlackholed || to.destroyed) return;
        if (direction === 'to-target') forwarded += chunk.length;
        const link = links[direction];
        if (link) {
          link.send(chunk, from, to);
          return;
        }
        // Backpressure: a slow peer must not make the proxy buffer a whole upload.
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
      // A paced link still holds what was sent before the close: that arrives first.
      from.on('close', () => {
        // A blackholed link carries nothing, not even a close: the far side only learns by a
        // timeout of its own (restore() resets what is left).
        if (isBlackholed) return;
        if (links[direction]) links[direction].close(from, to);
        else to.destroy();
      });
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
    reset,
    blackhole,
    restore() {
      if (isBlackholed) {
        isBlackholed = false;
        for (const socket of sockets) socket.resetAndDestroy();
      }
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

/** `url` with its host and port replaced by the proxy's, so the connection runs through it. */
export function throughProxy(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

/** The host and port a service URL names, for a proxy in front of it that also takes options. */
export function targetOfUrl(url: string): TcpProxyOptions {
  const parsed = new URL(url);
  const targetPort = Number(parsed.port || DEFAULT_PORTS[parsed.protocol] || 80);
  return { targetHost: parsed.hostname, targetPort };
}

// The port a URL of each scheme means when it names none.
const DEFAULT_PORTS: Record<string, number> = {
  'https:': 443,
  'postgres:': 5432,
  'postgresql:': 5432,
  'amqp:': 5672,
  'amqps:': 5671,
};

// How far ahead of the link the proxy reads before it stops reading (TCP's own window then
// holds the sender back, as a real slow link would).
const LINK_QUEUE_BYTES = 256 * 1024;
// Timers fire at best every millisecond, so what the link carries within the next millisecond
// leaves at once: otherwise every small request would wait a whole timer tick, a latency no
// real LAN has. The average speed stays exact (freeAt accounts for every byte).
const BURST_MS = 1;

interface PacedChunk {
  /** null: the sender closed; end the receiving side once everything before has arrived. */
  chunk: Buffer | null;
  from: net.Socket;
  to: net.Socket;
  /** When the chunk has crossed the link (performance.now() milliseconds). */
  at: number;
}

/** Paces chunks onto a link of a fixed speed, in order, holding senders back when it is busy. */
class LinkPacer {
  private freeAt = 0;
  private queuedBytes = 0;
  private readonly queue: PacedChunk[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly bytesPerSecond: number) {}

  send(chunk: Buffer, from: net.Socket, to: net.Socket): void {
    this.freeAt =
      Math.max(this.freeAt, performance.now()) + (chunk.length / this.bytesPerSecond) * 1000;
    this.queue.push({ chunk, from, to, at: this.freeAt });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > LINK_QUEUE_BYTES) from.pause();
    this.deliver();
  }

  /** Ends `to` after every chunk queued before now has crossed the link. */
  close(from: net.Socket, to: net.Socket): void {
    this.queue.push({ chunk: null, from, to, at: this.freeAt });
    this.deliver();
  }

  /** One timer for the chunk at the head of the queue, so chunks leave in the order they came. */
  private schedule(): void {
    const head = this.queue[0];
    if (this.timer || !head) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.deliver();
      },
      Math.max(0, head.at - BURST_MS - performance.now()),
    );
  }

  private deliver(): void {
    const now = performance.now();
    for (let head = this.queue[0]; head && head.at <= now + BURST_MS; head = this.queue[0]) {
      this.queue.shift();
      if (head.chunk === null) {
        head.to.end();
        continue;
      }
      this.queuedBytes -= head.chunk.length;
      if (!head.to.destroyed) head.to.write(head.chunk);
      if (this.queuedBytes <= LINK_QUEUE_BYTES && !head.from.destroyed) head.from.resume();
    }
    this.schedule();
  }
}
