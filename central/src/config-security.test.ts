import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const BASE = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/zra',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  BLOB_DIR: '/var/lib/zamperla/blob',
};

function problem(env: Record<string, string>): string {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('security settings', () => {
  it('defaults to no trusted proxy, no extra host name, metrics on 9464 and the quotas', () => {
    const c = loadConfig(BASE);
    expect(c.trustedProxies).toEqual([]);
    expect(c.allowedHosts).toEqual([]);
    expect(c.metricsPort).toBe(9464);
    expect(c.metricsHost).toBe('127.0.0.1');
    expect(c.loginGlobalPerSecond).toBe(5);
    expect(c.parkQuota).toEqual({ storedBytes: 1000 * 1024 ** 3, inFlightBytes: 1024 ** 3 });
  });

  it('reads lists of proxies and host names', () => {
    const c = loadConfig({
      ...BASE,
      TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7 ,fd00::/8',
      ALLOWED_HOSTS: 'Central.Example.com,central-api',
      PARK_STORED_QUOTA_GB: '0.5',
    });
    expect(c.trustedProxies).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
    expect(c.allowedHosts).toEqual(['central.example.com', 'central-api']);
    expect(c.parkQuota?.storedBytes).toBe(512 * 1024 ** 2);
  });

  it('picks a free metrics port when the API port is picked freely (PORT=0)', () => {
    expect(loadConfig({ ...BASE, PORT: '0' }).metricsPort).toBe(0);
    expect(loadConfig({ ...BASE, PORT: '0', METRICS_PORT: '9100' }).metricsPort).toBe(9100);
  });

  it('names a bad entry and what to write instead', () => {
    expect(problem({ TRUSTED_PROXIES: '10.0.0.0/33' })).toContain('prefix length of 0-32');
    expect(problem({ TRUSTED_PROXIES: 'ingress-nginx' })).toContain('TRUSTED_PROXIES');
    expect(problem({ ALLOWED_HOSTS: 'https://central.example.com' })).toContain(
      'without port or scheme',
    );
    expect(problem({ PORT: '9000', METRICS_PORT: '9000' })).toContain('a port of their own');
    expect(problem({ PORT: '9464' })).toContain('a port of their own');
  });
});
