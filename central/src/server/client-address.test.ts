import { describe, expect, it } from 'vitest';
import { clientAddressResolver } from './client-address.ts';

describe('client address', () => {
  it('is the socket address when no proxy is trusted, whatever X-Forwarded-For claims', () => {
    const resolve = clientAddressResolver([]);
    expect(resolve('203.0.113.9', '10.1.1.1')).toBe('203.0.113.9');
    expect(resolve('::ffff:203.0.113.9', undefined)).toBe('203.0.113.9');
    expect(resolve(undefined, undefined)).toBe('unknown');
  });

  it('is the last address before the trusted proxies, read from the right', () => {
    const resolve = clientAddressResolver(['10.0.0.0/8', 'fd00::/8']);
    // The ingress (10.2.3.4) appended the address it was connected from.
    expect(resolve('10.2.3.4', '198.51.100.7')).toBe('198.51.100.7');
    // What the client wrote itself comes before that, and is not believed.
    expect(resolve('10.2.3.4', '1.2.3.4, 198.51.100.7')).toBe('198.51.100.7');
    // Two trusted hops (a load balancer, then the ingress).
    expect(resolve('10.2.3.4', '198.51.100.7, 10.9.9.9')).toBe('198.51.100.7');
    expect(resolve('::ffff:10.2.3.4', ['198.51.100.7', '10.9.9.9'])).toBe('198.51.100.7');
    expect(resolve('fd00::1', '[2001:db8::5]:443')).toBe('2001:db8::5');
    expect(resolve('10.2.3.4', '198.51.100.7:51000')).toBe('198.51.100.7');
  });

  it('stops at a malformed entry and keeps the last hop it could trust', () => {
    const resolve = clientAddressResolver(['10.0.0.0/8']);
    expect(resolve('10.2.3.4', 'garbage, 10.9.9.9')).toBe('10.9.9.9');
    expect(resolve('10.2.3.4', '')).toBe('10.2.3.4');
  });

  it('ignores the header from a peer that is not a trusted proxy', () => {
    const resolve = clientAddressResolver(['10.0.0.0/8']);
    expect(resolve('192.0.2.1', '10.1.1.1')).toBe('192.0.2.1');
    expect(resolve.trusts('192.0.2.1')).toBe(false);
    expect(resolve.trusts('::ffff:10.2.3.4')).toBe(true);
  });
});
