import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { K8S_DIR, REPO_ROOT } from '../test-support/render.ts';
import { relabel, type RelabelConfig } from './relabel.ts';

const run = promisify(execFile);
const PROMTOOL = '/usr/bin/promtool';
const PROM_DIR = `${K8S_DIR}monitoring/prometheus/`;
const RULES = `${PROM_DIR}rules/zamperla-alerts.yml`;
const GRAFANA_DIR = `${K8S_DIR}monitoring/grafana/`;

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (
  parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);

/** The metric names central really exports (central/src/server/, prom-client and hand-built). */
function centralMetricNames(): Set<string> {
  const dir = `${REPO_ROOT}central/src/server/`;
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    for (const m of readFileSync(dir + file, 'utf8').matchAll(/'(zra_[a-z0-9_]+)'/g)) {
      if (m[1]) names.add(m[1]);
    }
  }
  return names;
}
/** Series the queries use that come from kube-state-metrics or Prometheus itself. */
const OTHER_METRICS = new Set([
  'up',
  'kube_pod_container_status_restarts_total',
  'kube_job_status_failed',
  'kube_job_status_active',
  'kube_cronjob_status_last_schedule_time',
  'kube_cronjob_status_last_successful_time',
]);

/** Metric names in a PromQL expression (identifiers that are not functions or keywords). */
function metricsIn(expr: string): string[] {
  const found = expr.match(/\b(zra_[a-z0-9_]+|kube_[a-z0-9_]+|up)\b(?=\s*[{[)\s]|$)/g) ?? [];
  return [...new Set(found)];
}

function unknownMetrics(exprs: string[]): string[] {
  const known = centralMetricNames();
  expect(known.size).toBeGreaterThan(10);
  return exprs.flatMap(metricsIn).filter((name) => {
    if (OTHER_METRICS.has(name)) return false;
    const base = name.replace(/_(bucket|count|sum)$/, '');
    return !known.has(name) && !known.has(base);
  });
}

describe('alert rules', () => {
  it('pass promtool check rules', async () => {
    const { stdout } = await run(PROMTOOL, ['check', 'rules', RULES]);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  // promtool evaluates every test's hours of series: about 30 CPU-s on a quiet machine, and
  // more than the default minute on a busy one (CI of 2026-12-04 under load).
  it(
    'pass their promtool unit tests (each alert fires when it should and not before)',
    {
      timeout: 300_000,
    },
    async () => {
      const { stdout } = await run(PROMTOOL, ['test', 'rules', 'zamperla-alerts.test.yml'], {
        cwd: `${PROM_DIR}rules`,
      });
      expect(stdout).toContain('SUCCESS');
    },
  );

  it('has a unit test for every alert', () => {
    const tests = readFileSync(`${PROM_DIR}rules/zamperla-alerts.test.yml`, 'utf8');
    const untested = rules
      .filter((r) => r.alert)
      .filter((r) => !tests.includes(`alertname: ${r.alert}`))
      .map((r) => r.alert);
    expect(untested).toEqual([]);
  });

  it('cover what the issue asks for: stalled ingestion per park, dead letters, job failures, backlog age, pod restarts', () => {
    const byMetric = (m: string) => rules.some((r) => r.alert && r.expr.includes(m));
    expect(rules.find((r) => r.alert === 'ZraParkIngestionStalled')?.expr).toMatch(/by \(park\)/);
    for (const m of [
      'zra_park_backlog_oldest_seconds',
      'zra_queue_messages_ready{queue=~".+\\\\.dlq"}',
      'zra_job_runs_total',
      'zra_outbox_oldest_unpublished_seconds',
      'kube_pod_container_status_restarts_total',
    ]) {
      expect(byMetric(m), m).toBe(true);
    }
  });

  it('use only metrics that central (or kube-state-metrics) exports', () => {
    expect(unknownMetrics(rules.map((r) => r.expr))).toEqual([]);
    // The check itself notices a name central does not export.
    expect(unknownMetrics(['max(zra_made_up_seconds) > 1'])).toEqual(['zra_made_up_seconds']);
  });

  it('give every alert a severity, a summary, and a section in docs/operations.md', () => {
    const doc = readFileSync(`${REPO_ROOT}docs/operations.md`, 'utf8');
    for (const r of rules.filter((x) => x.alert)) {
      // The dead-man's switch pages nobody by itself (its absence does).
      expect(r.alert === 'ZraWatchdog' ? ['none'] : ['warning', 'critical'], r.alert).toContain(
        r.labels?.severity,
      );
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(r.annotations?.description, r.alert).toContain(
        `docs/operations.md#${r.alert?.toLowerCase()}`,
      );
      expect(doc, r.alert).toMatch(new RegExp(`^#+ ${r.alert}$`, 'm'));
    }
  });
});

describe('scrape configuration', () => {
  const config = parse(readFileSync(`${PROM_DIR}prometheus.yml`, 'utf8')) as {
    rule_files: string[];
    scrape_configs: {
      job_name: string;
      honor_labels?: boolean;
      kubernetes_sd_configs?: { role: string; namespaces?: { names: string[] } }[];
      relabel_configs: RelabelConfig[];
      authorization?: unknown;
    }[];
  };
  const pods = config.scrape_configs.find((c) => c.job_name === 'kubernetes-pods');
  const ksm = config.scrape_configs.find((c) => c.job_name === 'kube-state-metrics');
  const work = mkdtempSync(join(tmpdir(), 'zra-promconfig-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** The labels Kubernetes service discovery gives one pod port. */
  const podTarget = (annotations: Record<string, string>, extra: Record<string, string> = {}) => {
    const labels: Record<string, string> = {
      __address__: '10.1.2.3:5672',
      __metrics_path__: '/metrics',
      __meta_kubernetes_namespace: 'zamperla',
      __meta_kubernetes_pod_name: 'central-api-7d9c-abcde',
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_label_app_kubernetes_io_name: 'central-api',
      __meta_kubernetes_pod_label_app_kubernetes_io_component: 'api',
      ...extra,
    };
    for (const [k, v] of Object.entries(annotations)) {
      labels[`__meta_kubernetes_pod_annotation_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`] = v;
    }
    return labels;
  };

  it('discovers pods through the Kubernetes API', () => {
    expect(pods?.kubernetes_sd_configs?.[0]?.role).toBe('pod');
  });

  it('scrapes an annotated pod on its annotated port and path, labelled with namespace, pod and app', () => {
    const out = relabel(
      podTarget({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '15692',
        'prometheus.io/path': '/metrics/detailed',
      }),
      pods?.relabel_configs ?? [],
    );
    expect(out).toMatchObject({
      __address__: '10.1.2.3:15692',
      __metrics_path__: '/metrics/detailed',
      namespace: 'zamperla',
      pod: 'central-api-7d9c-abcde',
      app: 'central-api',
      component: 'api',
    });
  });

  it('keeps the default path when the pod names none, and a port-less address gets the annotated port', () => {
    const out = relabel(
      podTarget(
        { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' },
        { __address__: '10.1.2.3' },
      ),
      pods?.relabel_configs ?? [],
    );
    expect(out?.__address__).toBe('10.1.2.3:8080');
    expect(out?.__metrics_path__).toBe('/metrics');
  });

  it('scrapes kube-state-metrics in its own job, keeping the labels of the objects it describes, on its metrics port only', () => {
    const ksmPod = (port: string) =>
      podTarget(
        { 'prometheus.io/scrape': 'true' },
        {
          __meta_kubernetes_namespace: 'zamperla-monitoring',
          __meta_kubernetes_pod_label_app_kubernetes_io_name: 'kube-state-metrics',
          __meta_kubernetes_pod_container_port_name: port,
        },
      );
    // Never through the generic job, whose namespace and pod labels would replace its own.
    expect(relabel(ksmPod('http'), pods?.relabel_configs ?? [])).toBeNull();
    expect(ksm?.honor_labels).toBe(true);
    expect(relabel(ksmPod('http'), ksm?.relabel_configs ?? [])).not.toBeNull();
    expect(relabel(ksmPod('telemetry'), ksm?.relabel_configs ?? [])).toBeNull();
    // Only kube-state-metrics: no other pod gets honor_labels.
    expect(
      relabel(podTarget({ 'prometheus.io/scrape': 'true' }), ksm?.relabel_configs ?? []),
    ).toBeNull();
  });

  it("discovers the namespaces of the alerts' sources: central, monitoring, KEDA, cert-manager", () => {
    expect(pods?.kubernetes_sd_configs?.[0]?.namespaces?.names).toEqual(
      expect.arrayContaining(['zamperla', 'zamperla-monitoring', 'keda', 'cert-manager']),
    );
    const kubelet = config.scrape_configs.find((c) => c.job_name === 'kubelet');
    expect(kubelet?.kubernetes_sd_configs?.[0]?.role).toBe('node');
  });

  it('drops pods without the annotation, with scrape "false", and finished job pods', () => {
    const rc = pods?.relabel_configs ?? [];
    expect(relabel(podTarget({}), rc)).toBeNull();
    expect(relabel(podTarget({ 'prometheus.io/scrape': 'false' }), rc)).toBeNull();
    expect(
      relabel(
        podTarget({ 'prometheus.io/scrape': 'true' }, { __meta_kubernetes_pod_phase: 'Succeeded' }),
        rc,
      ),
    ).toBeNull();
  });

  it('passes promtool check config once discovery is swapped for static targets', async () => {
    // Debian's promtool is built without Kubernetes discovery; everything else is checked.
    const copy = structuredClone(config) as Record<string, unknown> & typeof config;
    copy.rule_files = [RULES];
    for (const job of copy.scrape_configs) {
      if (job.kubernetes_sd_configs) {
        delete job.kubernetes_sd_configs;
        (job as Record<string, unknown>).static_configs = [{ targets: ['127.0.0.1:8080'] }];
      }
      // The service account token exists only inside the pod.
      if (job.authorization) job.authorization = { credentials: 'token-of-the-pod' };
    }
    const file = join(work, 'prometheus.yml');
    writeFileSync(file, JSON.stringify(copy));
    const { stdout } = await run(PROMTOOL, ['check', 'config', file]);
    expect(stdout).toMatch(/SUCCESS/);
  });
});

describe('Alertmanager configuration', () => {
  it('passes amtool check-config, and its inhibit rules name alerts that exist', async () => {
    const file = `${K8S_DIR}overlays/dev/alertmanager.yml`;
    const { stdout } = await run('/usr/bin/amtool', ['check-config', file]);
    expect(stdout).toContain('SUCCESS');
    const alerts = new Set(rules.map((r) => r.alert));
    const named = [...readFileSync(file, 'utf8').matchAll(/Zra[A-Za-z]+/g)].map((m) => m[0]);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((n) => !alerts.has(n))).toEqual([]);
  });
});

describe('Grafana provisioning', () => {
  const datasources = parse(readFileSync(`${GRAFANA_DIR}datasources.yaml`, 'utf8')) as {
    datasources: { uid: string; url: string }[];
  };
  const dashboard = JSON.parse(
    readFileSync(`${GRAFANA_DIR}dashboards/zamperla-fleet.json`, 'utf8'),
  ) as {
    uid: string;
    panels: {
      id: number;
      type: string;
      title: string;
      datasource?: { uid: string };
      targets?: { expr: string; datasource?: { uid: string } }[];
    }[];
  };
  const panels = dashboard.panels.filter((p) => p.type !== 'row');

  it('points the data source at the Prometheus Service', () => {
    expect(datasources.datasources[0]?.url).toBe('http://prometheus.zamperla-monitoring.svc:9090');
  });

  it('queries only the provisioned data source, with unique panel ids', () => {
    const uid = datasources.datasources[0]?.uid;
    for (const p of panels) {
      expect(p.datasource?.uid, p.title).toBe(uid);
      for (const t of p.targets ?? []) expect(t.datasource?.uid, p.title).toBe(uid);
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shows ingestion, queues, jobs and failures, from metrics that exist', () => {
    const titles = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(titles).toEqual(expect.arrayContaining(['Ingestion', 'Queues', 'Jobs', 'Failures']));
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(15);
    expect(unknownMetrics(exprs)).toEqual([]);
  });
});
