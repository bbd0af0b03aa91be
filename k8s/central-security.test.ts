import { isIP } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { OVERLAYS, render, type K8sObject } from './test-support/render.ts';

// Central's own security settings (docs/central.md, "Threat model") as the manifests must
// carry them: /metrics on its own port that only Prometheus reaches, the API port only for the
// Gateway's proxies (whose X-Forwarded-For central believes), and the route's host names allowed.

const one = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind} ${name} is not rendered`);
  return found;
};

describe.each(OVERLAYS)('overlay %s: central security settings', (overlay) => {
  let objects: K8sObject[];
  let config: Record<string, string>;

  beforeAll(async () => {
    objects = await render(`overlays/${overlay}`);
    config = one(objects, 'ConfigMap', 'central-config').data;
  });

  it('serves /metrics on its own port: declared, annotated for the scrape, never in the Service', () => {
    const api = one(objects, 'Deployment', 'central-api').spec.template;
    const container = api.spec.containers.find((c: { name: string }) => c.name === 'api');
    const ports = new Map<string, number>(
      container.ports.map((p: { name: string; containerPort: number }) => [
        p.name,
        p.containerPort,
      ]),
    );
    expect(ports.get('metrics')).toBe(Number(config.METRICS_PORT));
    expect(ports.get('metrics')).not.toBe(ports.get('http'));
    expect(api.metadata.annotations['prometheus.io/port']).toBe(config.METRICS_PORT);
    const service = one(objects, 'Service', 'central-api');
    for (const port of service.spec.ports) {
      expect([port.targetPort, port.port]).not.toContain('metrics');
      expect([port.targetPort, port.port]).not.toContain(Number(config.METRICS_PORT));
    }
  });

  it('lets only the proxies reach the API port and only Prometheus the metrics port', () => {
    const policy = one(objects, 'NetworkPolicy', 'central-api');
    const peersOf = (port: number) =>
      policy.spec.ingress
        .filter((r: { ports: { port: number }[] }) => r.ports.some((p) => p.port === port))
        .flatMap((r: { from: unknown[] }) => r.from)
        .map((peer: unknown) => JSON.stringify(peer));
    const api = peersOf(8080);
    expect(api).toHaveLength(1);
    expect(api[0]).toContain('envoy-gateway-system');
    const metrics = peersOf(Number(config.METRICS_PORT));
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toContain('"app.kubernetes.io/name":"prometheus"');
  });

  it("allows the route's host names and trusts only address ranges as proxies", () => {
    const allowed = (config.ALLOWED_HOSTS ?? '').split(',');
    for (const route of objects.filter((o) => o.kind === 'HTTPRoute')) {
      for (const host of route.spec.hostnames ?? []) expect(allowed, host).toContain(host);
    }
    expect(allowed).toContain('central-api.zamperla.svc');
    const proxies = (config.TRUSTED_PROXIES ?? '').split(',').filter((p) => p !== '');
    expect(proxies.length).toBeGreaterThan(0);
    for (const range of proxies) {
      const [address = '', bits] = range.split('/');
      expect(isIP(address), range).not.toBe(0);
      expect(bits === undefined || Number(bits) >= 8, range).toBe(true);
    }
  });

  it('carries the sign-in and quota settings', () => {
    expect(Number(config.LOGIN_GLOBAL_PER_S)).toBeGreaterThan(0);
    expect(Number(config.PARK_STORED_QUOTA_GB)).toBeGreaterThan(0);
    expect(Number(config.PARK_INFLIGHT_MB)).toBeGreaterThanOrEqual(128);
  });
});
