import { readFileSync } from 'node:fs';
import net from 'node:net';

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portAccepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Ports below this are left to the machine's own services. */
const LOWEST = 16_384;

/** Ports this process handed out: callers that take several before binding get distinct ones. */
const handedOut = new Set<number>();

/**
 * A TCP port nothing is bound to now, for a server the caller starts soon after, taken at
 * random from below the kernel's ephemeral range. Why not the port the kernel hands out for
 * port 0: that port is free only until the probe closes it, and the harnesses start a server on
 * it seconds later and restart killed ones (PostgreSQL, RabbitMQ, sshd, an API) on it. Until
 * then the kernel may give it to any other server asking for port 0 (tests run side by side)
 * or to any outgoing connection as its local port, and the start fails with EADDRINUSE for as
 * long as that one lives. The kernel hands out neither from below the ephemeral range.
 */
export async function freePort(): Promise<number> {
  const highest = ephemeralRangeStart() - 1;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
    if (handedOut.has(port)) continue;
    // Taken before the check, so that calls running side by side never pick the same one.
    handedOut.add(port);
    if (await bindable(port)) return port;
  }
  throw new Error(
    `no free TCP port between ${LOWEST} and ${highest} after 100 tries: ` +
      'see what listens there (ss -ltn) and stop what leaked',
  );
}

function ephemeralRangeStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/);
    const port = Number(start);
    if (Number.isInteger(port) && port > LOWEST + 1_000) return port;
  } catch {
    // No /proc (not Linux): Linux's default range starts here, below IANA's 49152.
  }
  return 32_768;
}

/** Binding every address finds a socket on the port whatever address it is bound to. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}
