/**
 * The rendered scrape configuration, run by the real Prometheus binary against a local
 * stand-in for kube-state-metrics: its series describe other pods (namespace, pod, job_name),
 * and the alerts select on those labels. A relabelling that overwrites them (a missing
 * honor_labels) leaves the job-failure and restart alerts unable to fire; promtool's unit
 * tests cannot see that, because they are fed series that already carry the right labels.
 *
 * Debian's Prometheus has no Kubernetes discovery, so each pod-discovery job gets static
 * targets instead, labelled as pod discovery labels the kube-state-metrics pod (from its
 * rendered Deployment: labels, annotations, container ports), on a loopback address of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort } from '../../scripts/harness/port.ts';
import { waitFor } from '../../scripts/harness/wait-for.ts';
import { K8S_DIR, render, type K8sObject } from '../test-support/render.ts';

const PROMETHEUS = '/usr/bin/prometheus';
/** A loopback address of its own stands in for the kube-state-metrics pod's IP. */
const POD_IP = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
const POD_NAME = 'kube-state-metrics-6c9d7f5b8-x2k4q';
const WATCHED_POD = 'central-api-7d9c6b5f4-abcde';

let work: string;
let prometheus: ChildProcess | undefined;
let promUrl: string;
const servers: http.Server[] = [];
let scrapes = 0;

/** What kube-state-metrics serves about pods and Jobs in namespace zamperla, rising each scrape. */
function kubeStateMetrics(): string {
  scrapes++;
  return [
    '# TYPE kube_pod_container_status_restarts_total counter',
    `kube_pod_container_status_restarts_total{namespace="zamperla",pod="${WATCHED_POD}",uid="1f0e",container="api"} ${3 * scrapes}`,
    '# TYPE kube_job_status_failed gauge',
    `kube_job_status_failed{namespace="zamperla",job_name="central-postprocess-7x2q"} ${2 * scrapes}`,
    '',
  ].join('\n');
}

interface ScrapeJob {
  job_name: string;
  kubernetes_sd_configs?: { role: string }[];
  static_configs?: { targets: string[]; labels: Record<string, string> }[];
  [key: string]: unknown;
}

/** The labels Kubernetes pod discovery gives each declared container port of a pod. */
function podTargets(
  deployment: K8sObject,
): { targets: string[]; labels: Record<string, string> }[] {
  const template = deployment.spec.template;
  const meta: Record<string, string> = {
    __meta_kubernetes_namespace: deployment.metadata.namespace ?? '',
    __meta_kubernetes_pod_name: POD_NAME,
    __meta_kubernetes_pod_phase: 'Running',
    __meta_kubernetes_pod_ip: POD_IP,
  };
  const sanitize = (k: string) => k.replace(/[^a-zA-Z0-9_]/g, '_');
  for (const [k, v] of Object.entries((template.metadata.labels ?? {}) as Record<string, string>)) {
    meta[`__meta_kubernetes_pod_label_${sanitize(k)}`] = v;
  }
  for (const [k, v] of Object.entries(
    (template.metadata.annotations ?? {}) as Record<string, string>,
  )) {
    meta[`__meta_kubernetes_pod_annotation_${sanitize(k)}`] = v;
  }
  return template.spec.containers.flatMap(
    (c: { name: string; ports?: { name?: string; containerPort: number }[] }) =>
      (c.ports ?? []).map((p) => ({
        targets: [`${POD_IP}:${p.containerPort}`],
        labels: {
          ...meta,
          __meta_kubernetes_pod_container_name: c.name,
          __meta_kubernetes_pod_container_port_name: p.name ?? '',
          __meta_kubernetes_pod_container_port_number: String(p.containerPort),
        },
      })),
  );
}

async function query(promql: string): Promise<{ metric: Record<string, string> }[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { data: { result: { metric: Record<string, string> }[] } };
  return body.data.result;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'zra-prom-scrape-'));
  const objects = await render('overlays/dev');
  const ksm = objects.find(
    (o) => o.kind === 'Deployment' && o.metadata.name === 'kube-state-metrics',
  );
  const configMap = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('prometheus-config'),
  );
  if (!ksm || !configMap) throw new Error('kube-state-metrics or prometheus-config not rendered');

  // kube-state-metrics' container ports on the stand-in pod address.
  for (const c of ksm.spec.template.spec.containers) {
    for (const p of c.ports ?? []) {
      const server = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(p.name === 'http' ? kubeStateMetrics() : '');
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(p.containerPort, POD_IP, resolve);
      });
      servers.push(server);
    }
  }

  const config = parse(configMap.data['prometheus.yml']) as {
    global: Record<string, string>;
    rule_files: string[];
    alerting?: unknown;
    scrape_configs: ScrapeJob[];
  };
  config.global = { scrape_interval: '1s', evaluation_interval: '1s' };
  config.rule_files = [`${K8S_DIR}monitoring/prometheus/rules/zamperla-alerts.yml`];
  delete config.alerting;
  config.scrape_configs = config.scrape_configs
    .filter((job) => job.kubernetes_sd_configs?.every((sd) => sd.role === 'pod') ?? true)
    .map((job) => {
      if (!job.kubernetes_sd_configs) return job;
      const rest: ScrapeJob = { ...job, static_configs: podTargets(ksm) };
      delete rest.kubernetes_sd_configs;
      return rest;
    });
  const file = join(work, 'prometheus.yml');
  writeFileSync(file, JSON.stringify(config));

  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${file}`,
      `--storage.tsdb.path=${join(work, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  prometheus.stderr?.on('data', (d) => (log += d));
  await waitFor(
    'Prometheus ready',
    async () => {
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited:\n${log.slice(-2000)}`);
      return (await fetch(`${promUrl}/-/ready`).catch(() => null))?.ok ?? false;
    },
    { timeoutMs: 30_000 },
  );
});

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  for (const s of servers) s.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('kube-state-metrics through the real scrape configuration', () => {
  it('keeps the namespace and pod its series describe, scraped by one job only', async () => {
    const series = await waitFor(
      'kube-state-metrics scraped',
      async () => {
        const r = await query('kube_pod_container_status_restarts_total');
        return r.length > 0 ? r : null;
      },
      { timeoutMs: 30_000 },
    );
    expect(series).toHaveLength(1);
    expect(series[0]?.metric).toMatchObject({
      namespace: 'zamperla',
      pod: WATCHED_POD,
      container: 'api',
    });
    expect(series[0]?.metric).not.toHaveProperty('exported_namespace');
    expect(series[0]?.metric).not.toHaveProperty('exported_pod');
  });

  it('lets the restart and job-failure alerts fire on them (their rules select namespace="zamperla")', async () => {
    const firing = await waitFor(
      'both alerts firing',
      async () => {
        const alerts = await query('ALERTS{alertstate="firing"}');
        const names = new Set(alerts.map((a) => a.metric.alertname));
        return names.has('ZraPodRestarting') && names.has('ZraJobPodsFailing') ? alerts : null;
      },
      { timeoutMs: 30_000 },
    );
    expect(firing.find((a) => a.metric.alertname === 'ZraPodRestarting')?.metric).toMatchObject({
      namespace: 'zamperla',
      pod: WATCHED_POD,
      container: 'api',
    });
  });
});
