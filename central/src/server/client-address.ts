import { BlockList, isIP } from 'node:net';

/**
 * Who sent a request, for the login throttle and the logs. Behind a reverse proxy (the
 * ingress) every connection comes from the proxy, so the client is in `X-Forwarded-For`; but
 * anyone can send that header, so it is believed only on connections from a configured
 * trusted proxy (`TRUSTED_PROXIES`), and only as far back as the proxies reach.
 */
export interface ClientAddressResolver {
  (socketAddress: string | undefined, forwardedFor: string | string[] | undefined): string;
  /** Whether a connection from `socketAddress` is from a trusted proxy. */
  trusts(socketAddress: string | undefined): boolean;
}

/** Builds the resolver for `TRUSTED_PROXIES` entries (`10.1.2.3`, `10.0.0.0/8`, `fd00::/8`). */
export function clientAddressResolver(trustedProxies: readonly string[]): ClientAddressResolver {
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) trusted.addAddress(address, family);
    else trusted.addSubnet(address, Number(bits), family);
  }
  const isTrusted = (address: string): boolean => {
    const family = isIP(address);
    if (family === 0) return false;
    return trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };

  const resolve = (
    socketAddress: string | undefined,
    forwardedFor: string | string[] | undefined,
  ): string => {
    const peer = plainAddress(socketAddress ?? '') || 'unknown';
    if (trustedProxies.length === 0 || !isTrusted(peer)) return peer;
    // Each proxy appends the address it got the request from: read from the right, skip the
    // proxies we trust, and the first address left is the client (what it wrote before that
    // is its own claim). A malformed entry ends the walk at the last trusted hop.
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
      .split(',')
      .map((hop) => plainAddress(hop.trim()))
      .filter((hop) => hop !== '');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i] as string;
      if (isIP(hop) === 0) break;
      client = hop;
      if (!isTrusted(hop)) break;
    }
    return client;
  };
  return Object.assign(resolve, {
    trusts: (socketAddress: string | undefined) => isTrusted(plainAddress(socketAddress ?? '')),
  });
}

/**
 * `::ffff:10.1.2.3` (an IPv4 client on a dual-stack socket) as `10.1.2.3`, and a bracketed or
 * port-suffixed entry (`[fd00::1]:443`, `10.1.2.3:5000`, which some proxies write) as the address.
 */
function plainAddress(raw: string): string {
  let address = raw;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed?.[1]) address = bracketed[1];
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(address)) address = address.split(':')[0] ?? '';
  const mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i.exec(address);
  return (mapped?.[1] ?? address).toLowerCase();
}
