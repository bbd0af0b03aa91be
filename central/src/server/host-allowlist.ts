import { isIP } from 'node:net';

/**
 * Whether a request's `Host` header names central, against DNS rebinding: a page of another
 * site can point its own name at central's address (127.0.0.1 on a laptop, a cluster address
 * from inside the park network) and have the browser read the answers as its own origin. The
 * browser then still sends that other name as `Host`, so only known names are served. An IP
 * address is always allowed: a rebinding page cannot make the browser send one (probes,
 * Prometheus and agents configured with an address send those), and so is `localhost`.
 */
export function hostAllowlist(
  allowedHosts: readonly string[],
): (host: string | undefined) => boolean {
  const names = new Set(['localhost', ...allowedHosts.map((h) => h.toLowerCase())]);
  return (host) => {
    if (!host) return false;
    const name = hostName(host.trim().toLowerCase());
    if (name === null) return false;
    return isIP(name) !== 0 || names.has(name) || names.has(name.replace(/\.$/, ''));
  };
}

/** `example.com:8080` → `example.com`; `[::1]:80` → `::1`; null when it does not parse. */
function hostName(host: string): string | null {
  const v6 = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(host);
  if (v6?.[1]) return v6[1];
  const m = /^([^:[\]]+)(?::\d{1,5})?$/.exec(host);
  return m?.[1] ?? null;
}

/** What a refused request is told (421 Misdirected Request). */
export function hostRefusal(host: string | undefined): string {
  const shown = (host ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  return `central does not answer to the host name "${shown}": use central's own address, or add the name to ALLOWED_HOSTS`;
}
