import net from 'node:net';

/** A TCP proxy a test controls, standing between the agent and central like a flaky uplink. */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>`, to use as the agent's `central.url`. */
  url: string;
  /** Bytes sent towards the target since the proxy started or `resetCount()`. */
  readonly bytesToTarget: number;
  resetCount(): void;
  /**
   * Cuts the link once `bytes` more bytes went towards the target: every open connection is
   * destroyed mid-stream (the byte that crossed the line is not forwarded) and new ones are
   * refused until `restore()`.
   */
  cutAfter(bytes: number): void;
  /** Cuts the link now. */
  cut(): void;
  /** Lets connections through again. */
  restore(): void;
  close(): Promise<void>;
}

/** Starts a proxy on a free port of 127.0.0.1 forwarding to `targetUrl`'s host and port. */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const open = new Set<net.Socket>();
  let down = false;
  let forwarded = 0;
  let cutAt: number | null = null;

  function cut(): void {
    down = true;
    cutAt = null;
    for (const s of open) s.destroy();
    open.clear();
  }

  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, target.hostname);
    open.add(client).add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.on('data', (data: Buffer) => {
      if (cutAt !== null && forwarded + data.length >= cutAt) {
        cut();
        return;
      }
      forwarded += data.length;
      // Backpressure: a slow target must not make the proxy buffer a whole upload.
      if (!upstream.write(data)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    upstream.on('data', (data: Buffer) => {
      if (!client.write(data)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
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
      down = false;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
