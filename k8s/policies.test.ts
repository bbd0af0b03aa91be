import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DROP_PUT_PATH } from '@zra/shared';
import { containers, podTemplates, selects } from './test-support/pod-specs.ts';
import { idOf, OVERLAYS, REPO_ROOT, render, type K8sObject } from './test-support/render.ts';

const LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/instance',
];
/** Pods that talk to the Kubernetes API and so need their ServiceAccount token. */
const NEEDS_API_TOKEN = new Set(['prometheus', 'kube-state-metrics']);
/** Prod keeps no credentials in git: the operator creates these (docs/operations.md). */
const operationsDoc = readFileSync(`${REPO_ROOT}docs/operations.md`, 'utf8');

const one = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind} ${name} is not rendered`);
  return found;
};

/** Secrets a workload reads only if present (envFrom with optional: true). */
function optionalSecrets(objects: K8sObject[]): Set<string> {
  const names = new Set<string>();
  for (const { container } of containers(objects)) {
    for (const from of container.envFrom ?? []) {
      if (from.secretRef?.optional === true) names.add(from.secretRef.name);
    }
  }
  return names;
}

/** Names of the Secrets the rendered objects read (env, envFrom, volumes, KEDA, TLS). */
function referencedSecrets(objects: K8sObject[]): Set<string> {
  const names = new Set<string>();
  for (const { container } of containers(objects)) {
    for (const env of container.env ?? []) {
      if (env.valueFrom?.secretKeyRef) names.add(env.valueFrom.secretKeyRef.name);
    }
    for (const from of container.envFrom ?? []) if (from.secretRef) names.add(from.secretRef.name);
  }
  for (const pod of podTemplates(objects)) {
    for (const v of pod.spec.volumes ?? []) if (v.secret) names.add(v.secret.secretName);
  }
  for (const o of objects) {
    if (o.kind === 'TriggerAuthentication') {
      for (const ref of o.spec.secretTargetRef ?? []) names.add(ref.name);
    }
    if (o.kind === 'Gateway') {
      for (const listener of o.spec.listeners ?? []) {
        for (const ref of listener.tls?.certificateRefs ?? []) names.add(ref.name);
      }
    }
  }
  return names;
}

/** ConfigMap entries that look like credentials: by key name or by value. */
function secretLookingEntries(objects: K8sObject[]): string[] {
  const suspicious: string[] = [];
  for (const o of objects.filter((x) => x.kind === 'ConfigMap')) {
    for (const [key, value] of Object.entries((o.data ?? {}) as Record<string, string>)) {
      const at = `${idOf(o)} ${key}`;
      if (/pass(word)?|secret|token|credential|api.?key/i.test(key)) suspicious.push(at);
      // user:password@ in a URL, a park token, a private key, a password assignment.
      if (/\/\/[^/\s:@]+:[^/\s@]+@/.test(value)) suspicious.push(`${at}: URL with a password`);
      // A park token: zra_ + 43 base64url characters (metric names are lowercase words).
      if (/\bzra_(?=[A-Za-z0-9_-]*[A-Z0-9])[A-Za-z0-9_-]{43}(?![\w-])/.test(value)) {
        suspicious.push(`${at}: park token`);
      }
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) suspicious.push(`${at}: key`);
      if (/^\s*[\w.]*(pass(word)?|secret)\s*[=:]\s*\S+/im.test(value)) {
        suspicious.push(`${at}: password setting`);
      }
    }
  }
  return suspicious;
}

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await render(`overlays/${overlay}`);
  });

  it('labels every object and every pod template with app.kubernetes.io/*', () => {
    const missing: string[] = [];
    for (const o of objects) {
      for (const l of LABELS) if (!o.metadata.labels?.[l]) missing.push(`${idOf(o)} ${l}`);
    }
    for (const pod of podTemplates(objects)) {
      for (const l of LABELS) {
        if (!pod.metadata?.labels?.[l]) missing.push(`${idOf(pod.owner)} pod template ${l}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('gives every container requests and limits for CPU and memory', () => {
    const missing = containers(objects)
      .filter(({ container: c }) =>
        ['requests', 'limits'].some((k) => !c.resources?.[k]?.cpu || !c.resources?.[k]?.memory),
      )
      .map(({ pod, container }) => `${idOf(pod.owner)} ${container.name}`);
    expect(missing).toEqual([]);
  });

  it('probes every long-running container for readiness and liveness', () => {
    const missing = containers(objects)
      .filter(({ pod, init }) => pod.longRunning && !init)
      .filter(({ container: c }) => !c.readinessProbe || !c.livenessProbe)
      .map(({ pod, container }) => `${idOf(pod.owner)} ${container.name}`);
    expect(missing).toEqual([]);
  });

  it('runs every pod as non-root with RuntimeDefault seccomp, and every container read-only without capabilities', () => {
    const wrong: string[] = [];
    for (const pod of podTemplates(objects)) {
      const sc = pod.spec.securityContext ?? {};
      if (sc.runAsNonRoot !== true) wrong.push(`${idOf(pod.owner)} runAsNonRoot`);
      if (!(sc.runAsUser > 0)) wrong.push(`${idOf(pod.owner)} runAsUser`);
      if (sc.seccompProfile?.type !== 'RuntimeDefault') wrong.push(`${idOf(pod.owner)} seccomp`);
    }
    for (const { pod, container: c } of containers(objects)) {
      const sc = c.securityContext ?? {};
      const at = `${idOf(pod.owner)} ${c.name}`;
      if (sc.readOnlyRootFilesystem !== true) wrong.push(`${at} readOnlyRootFilesystem`);
      if (sc.allowPrivilegeEscalation !== false) wrong.push(`${at} allowPrivilegeEscalation`);
      if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]') wrong.push(`${at} drop ALL`);
      if (sc.capabilities?.add?.length) wrong.push(`${at} adds capabilities`);
      if (sc.runAsUser === 0 || sc.privileged) wrong.push(`${at} root or privileged`);
    }
    expect(wrong).toEqual([]);
  });

  it('gives every pod its own ServiceAccount, with no token unless it calls the Kubernetes API', () => {
    const wrong: string[] = [];
    const accounts = new Map(
      objects
        .filter((o) => o.kind === 'ServiceAccount')
        .map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]),
    );
    for (const pod of podTemplates(objects)) {
      const name = pod.spec.serviceAccountName as string | undefined;
      const account = accounts.get(`${pod.owner.metadata.namespace}/${name}`);
      if (!name || name === 'default' || !account) {
        wrong.push(`${idOf(pod.owner)}: ServiceAccount ${name ?? '(none)'} not rendered`);
        continue;
      }
      const wantsToken = NEEDS_API_TOKEN.has(name);
      if (pod.spec.automountServiceAccountToken !== wantsToken) {
        wrong.push(`${idOf(pod.owner)}: automountServiceAccountToken should be ${wantsToken}`);
      }
      if (account.automountServiceAccountToken !== wantsToken) {
        wrong.push(`ServiceAccount ${name}: automountServiceAccountToken should be ${wantsToken}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('pins every image: third-party ones by version and digest, ours by release tag', () => {
    const images = containers(objects).map(({ container }) => container.image as string);
    expect(images.length).toBeGreaterThan(5);
    const ours = /(^|\/)zamperla\/central(-jobs)?:\d+\.\d+\.\d+$/;
    const unpinned = images.filter(
      (image) => !ours.test(image) && !/:[^/:@]*\d[^/:@]*@sha256:[0-9a-f]{64}$/.test(image),
    );
    expect(unpinned).toEqual([]);
  });

  it('keeps credentials out of ConfigMaps', () => {
    expect(secretLookingEntries(objects)).toEqual([]);
  });

  it('has every Secret a workload reads: rendered in dev, documented for the operator in prod', () => {
    const wanted = [...referencedSecrets(objects)].sort();
    expect(wanted).toContain('central-database');
    const rendered = objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name);
    if (overlay === 'dev') {
      // The TLS certificate is cert-manager's (prod only); an optional Secret may be absent.
      const optional = optionalSecrets(objects);
      expect(
        wanted.filter((n) => n !== 'central-api-tls' && !optional.has(n) && !rendered.includes(n)),
      ).toEqual([]);
    } else {
      // No credentials in git for production.
      expect(rendered).toEqual([]);
      expect(wanted.filter((n) => !operationsDoc.includes(`\`${n}\``))).toEqual([]);
    }
  });

  it('follows the priority table: always-up for API, database and broker; monitoring next; jobs never preempt, post-processing above reports', () => {
    const classes = new Map(
      objects.filter((o) => o.kind === 'PriorityClass').map((o) => [o.metadata.name, o]),
    );
    const expected: [string, number, string][] = [
      ['zamperla-always-up', 1000000, 'PreemptLowerPriority'],
      ['zamperla-monitoring', 500000, 'PreemptLowerPriority'],
      ['zamperla-jobs-high', 100000, 'Never'],
      ['zamperla-jobs-mid', 10000, 'Never'],
      ['zamperla-jobs-low', 1000, 'Never'],
    ];
    for (const [name, value, policy] of expected) {
      expect(classes.get(name)?.value, name).toBe(value);
      expect(classes.get(name)?.preemptionPolicy, name).toBe(policy);
    }
    const priorityOf = (kind: string, name: string) => {
      const pod = podTemplates([one(objects, kind, name)])[0];
      return pod?.spec.priorityClassName as string;
    };
    expect(priorityOf('Deployment', 'central-api')).toBe('zamperla-always-up');
    expect(priorityOf('StatefulSet', 'postgres')).toBe('zamperla-always-up');
    expect(priorityOf('StatefulSet', 'rabbitmq')).toBe('zamperla-always-up');
    // Monitoring is not the first thing evicted in a capacity crunch: above every job.
    for (const pod of podTemplates(objects).filter(
      (p) => p.owner.metadata.namespace === 'zamperla-monitoring',
    )) {
      expect(pod.spec.priorityClassName, idOf(pod.owner)).toBe('zamperla-monitoring');
    }
    expect(classes.get('zamperla-monitoring')?.value).toBeGreaterThan(
      classes.get('zamperla-jobs-high')?.value ?? Infinity,
    );
    const post = classes.get(priorityOf('ScaledJob', 'central-postprocess'))?.value;
    const report = classes.get(priorityOf('ScaledJob', 'central-report'))?.value;
    expect(post).toBeGreaterThan(report ?? Infinity);
    // As the original system: the downloader above post-processing, monitoring above all jobs.
    const download = classes.get(priorityOf('ScaledJob', 'central-download'))?.value;
    expect(download).toBeGreaterThan(post ?? Infinity);
    expect(classes.get('zamperla-monitoring')?.value).toBeGreaterThan(download ?? Infinity);
    // Every job-like pod has a job class (never preempting).
    for (const pod of podTemplates(objects).filter((p) => !p.longRunning)) {
      expect(classes.get(pod.spec.priorityClassName)?.preemptionPolicy, idOf(pod.owner)).toBe(
        'Never',
      );
    }
  });

  it('runs the API with 2+ replicas, a rolling update that never drops below them, a PDB, probes on /healthz and /readyz, and migrations before serving', () => {
    const api = one(objects, 'Deployment', 'central-api');
    expect(api.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(api.spec.strategy.type).toBe('RollingUpdate');
    expect(api.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const pod = api.spec.template.spec;
    const main = pod.containers.find((c: { name: string }) => c.name === 'api');
    expect(main.startupProbe.httpGet.path).toBe('/healthz');
    expect(main.livenessProbe.httpGet.path).toBe('/healthz');
    expect(main.readinessProbe.httpGet.path).toBe('/readyz');
    expect(main.args).toEqual(['serve']);
    expect(pod.initContainers.map((c: { args: string[] }) => c.args)).toEqual([['migrate']]);
    expect(pod.initContainers[0].image).toBe(main.image);
    const pdb = objects.find(
      (o) =>
        o.kind === 'PodDisruptionBudget' &&
        selects(o.spec.selector.matchLabels, api.spec.template.metadata.labels),
    );
    expect(pdb?.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb?.spec.minAvailable).toBeLessThan(api.spec.replicas);
  });

  it('exposes only /trpc and POST /ingest/put through the Gateway (HTTPS in prod, with the certificate cert-manager issues), and admits the gateway proxies to the API', () => {
    const gateway = one(objects, 'Gateway', 'zamperla');
    const route = one(objects, 'HTTPRoute', 'central-api');
    type Rule = {
      matches: { path: { type: string; value: string }; method?: string }[];
      backendRefs: unknown;
      timeouts: { request: string };
    };
    const rules = route.spec.rules as Rule[];
    expect(rules.flatMap((r) => r.matches)).toEqual([
      { path: { type: 'PathPrefix', value: '/trpc' } },
      { path: { type: 'Exact', value: DROP_PUT_PATH }, method: 'POST' },
    ]);
    for (const rule of rules) {
      expect(rule.backendRefs).toEqual([{ name: 'central-api', port: 80 }]);
      // Chunks and whole drops of up to 9 MiB at the slowest link the agents are sized for.
      expect(Number.parseInt(rule.timeouts.request, 10)).toBeGreaterThanOrEqual(60);
    }
    const gatewayClass = one(objects, 'GatewayClass', gateway.spec.gatewayClassName);
    expect(gatewayClass.spec.controllerName).toBe('gateway.envoyproxy.io/gatewayclass-controller');
    const listener = gateway.spec.listeners.find(
      (l: { name: string }) => l.name === route.spec.parentRefs[0].sectionName,
    );
    expect(listener?.hostname).toBe(route.spec.hostnames[0]);
    // HTTP-01 needs the plain listener, in prod too.
    expect(gateway.spec.listeners.map((l: { port: number }) => l.port)).toContain(80);
    if (overlay === 'prod') {
      expect(listener.protocol).toBe('HTTPS');
      expect(listener.tls.certificateRefs).toEqual([{ name: 'central-api-tls' }]);
      expect(gateway.metadata.annotations?.['cert-manager.io/cluster-issuer']).toBe('letsencrypt');
    }
    // The proxies run in Envoy Gateway's namespace: the API admits exactly that namespace.
    const apiPolicy = one(objects, 'NetworkPolicy', 'central-api');
    expect(JSON.stringify(apiPolicy.spec.ingress)).toContain('envoy-gateway-system');
  });

  it('keeps node drains from evicting the single PostgreSQL and RabbitMQ pods, and gives PostgreSQL a real /dev/shm', () => {
    for (const name of ['postgres', 'rabbitmq']) {
      const set = one(objects, 'StatefulSet', name);
      const pdb = objects.find(
        (o) =>
          o.kind === 'PodDisruptionBudget' &&
          selects(o.spec.selector.matchLabels, set.spec.template.metadata.labels),
      );
      expect(pdb?.spec.minAvailable, name).toBe(set.spec.replicas);
    }
    const postgres = one(objects, 'StatefulSet', 'postgres').spec.template.spec;
    const shm = postgres.containers[0].volumeMounts.find(
      (m: { mountPath: string }) => m.mountPath === '/dev/shm',
    );
    const volume = postgres.volumes.find((v: { name: string }) => v.name === shm?.name);
    expect(volume?.emptyDir?.medium).toBe('Memory');
    // Above the 64 MiB a container gets by default.
    expect(Number.parseInt(volume?.emptyDir?.sizeLimit, 10)).toBeGreaterThan(64);
  });

  it("lets cert-manager's HTTP-01 solver answer through the default-deny policy", () => {
    const solver = objects.find(
      (o) =>
        o.kind === 'NetworkPolicy' &&
        o.spec.podSelector.matchLabels?.['acme.cert-manager.io/http01-solver'] === 'true',
    );
    expect(solver?.metadata.namespace).toBe('zamperla');
    const rule = solver?.spec.ingress?.[0];
    expect(rule.ports).toEqual([{ protocol: 'TCP', port: 8089 }]);
    expect(JSON.stringify(rule.from)).toContain('envoy-gateway-system');
  });

  it('scales jobs exactly: http protocol (counts in-flight messages), one message per job, none idle, bounded history and deadlines', () => {
    const auths = new Set(
      objects.filter((o) => o.kind === 'TriggerAuthentication').map((o) => o.metadata.name),
    );
    const scaledJobs = objects.filter((o) => o.kind === 'ScaledJob');
    expect(scaledJobs.map((o) => o.metadata.name).sort()).toEqual([
      'central-download',
      'central-postprocess',
      'central-report',
    ]);
    for (const sj of scaledJobs) {
      const s = sj.spec;
      expect(s.minReplicaCount ?? 0, sj.metadata.name).toBe(0);
      expect(s.pollingInterval).toBeGreaterThanOrEqual(2);
      expect(s.pollingInterval).toBeLessThanOrEqual(30);
      expect(s.scalingStrategy.strategy).toBe('default');
      expect(s.successfulJobsHistoryLimit).toBeGreaterThan(0);
      expect(s.failedJobsHistoryLimit).toBeGreaterThan(0);
      expect(s.jobTargetRef.activeDeadlineSeconds).toBeGreaterThan(0);
      expect(s.jobTargetRef.backoffLimit).toBeDefined();
      // Each ScaledJob's pods take only the queue it scales on (and its dead-letter queue).
      const queue = sj.metadata.name.replace(/^central-/, '');
      expect(s.jobTargetRef.template.spec.containers[0].args).toEqual([
        'worker',
        '--drain',
        '--queue',
        queue,
      ]);
      expect(s.triggers.length).toBeGreaterThan(0);
      for (const t of s.triggers) {
        expect(t.type).toBe('rabbitmq');
        expect(t.metadata).toMatchObject({ protocol: 'http', mode: 'QueueLength', value: '1' });
        // Unacknowledged messages must count (the default); never exclude them.
        expect(t.metadata.excludeUnacknowledged ?? 'false').toBe('false');
        expect(t.metadata.host).toBeUndefined();
        expect(auths).toContain(t.authenticationRef.name);
      }
    }
  });

  it('orders the job timeouts: a job ends before its pod deadline, the deadline before the broker gives up, and a stop fits in the grace period', () => {
    const conf = one(objects, 'ConfigMap', 'rabbitmq-config').data['rabbitmq.conf'] as string;
    const consumerTimeoutS = Number(/^consumer_timeout\s*=\s*(\d+)/m.exec(conf)?.[1]) / 1000;
    const config = one(objects, 'ConfigMap', 'central-config').data as Record<string, string>;
    const jobTimeoutS = Number(config.JOB_TIMEOUT_S);
    const maxRunS = Number(config.WORKER_MAX_RUN_S);
    const statementS = Number(config.DB_STATEMENT_TIMEOUT_S);
    const amqpS = Number(config.AMQP_TIMEOUT_S);
    const stuckJobS = Number(config.STUCK_JOB_MIN) * 60;
    // central/src/worker/run-job-binary.ts: SIGTERM, then SIGKILL after this.
    const stopGraceS = 10;
    expect(maxRunS).toBeGreaterThan(0);
    expect(stuckJobS).toBeGreaterThan(jobTimeoutS);
    for (const sj of objects.filter((o) => o.kind === 'ScaledJob')) {
      const deadline = sj.spec.jobTargetRef.activeDeadlineSeconds as number;
      const grace = sj.spec.jobTargetRef.template.spec.terminationGracePeriodSeconds as number;
      // The last job a pod takes starts before WORKER_MAX_RUN_S and ends by JOB_TIMEOUT_S later.
      expect(maxRunS + jobTimeoutS + grace, sj.metadata.name).toBeLessThanOrEqual(deadline);
      expect(consumerTimeoutS, sj.metadata.name).toBeGreaterThan(deadline);
      // On SIGTERM: the job binary stops, the run is recorded, the message handed back.
      expect(grace, sj.metadata.name).toBeGreaterThan(stopGraceS + statementS + amqpS);
    }
  });

  it('fits the job ceilings into the PostgreSQL connection budget', () => {
    const pg = one(objects, 'StatefulSet', 'postgres').spec.template.spec.containers[0];
    const setting = (name: string) =>
      Number(
        (pg.args as string[]).find((a) => a.startsWith(`${name}=`))?.split('=')[1] ?? Number.NaN,
      );
    const maxConnections = setting('max_connections');
    const reserved = setting('superuser_reserved_connections');
    const api = one(objects, 'Deployment', 'central-api');
    const poolMax = 10; // central/src/db/pool.ts
    const apiPeak = (api.spec.replicas + api.spec.strategy.rollingUpdate.maxSurge) * poolMax;
    // A job pod runs one job at a time and its queries one after the other: one connection;
    // a download pod also holds its ride's lock on a second one.
    const jobs = objects
      .filter((o) => o.kind === 'ScaledJob')
      .reduce(
        (n, o) =>
          n + (o.spec.maxReplicaCount as number) * (o.metadata.name === 'central-download' ? 2 : 1),
        0,
      );
    // The nightly dump (or the restore drill), the metrics exporter, one operator CLI.
    const backupExporterAndCli = 3;
    expect(reserved + apiPeak + jobs + backupExporterAndCli).toBeLessThanOrEqual(maxConnections);
  });

  it('points every Service, PDB and NetworkPolicy selector at pods that exist', () => {
    const pods = podTemplates(objects).map((p) => ({
      ns: p.owner.metadata.namespace,
      labels: p.metadata?.labels,
    }));
    const dangling: string[] = [];
    for (const o of objects) {
      // cert-manager creates the HTTP-01 solver pods this policy admits, only while it proves
      // a domain.
      if (o.metadata.name === 'cert-manager-http01-solver') continue;
      const selector =
        o.kind === 'Service'
          ? o.spec.selector
          : o.kind === 'PodDisruptionBudget' || o.kind === 'NetworkPolicy'
            ? (o.spec.podSelector?.matchLabels ?? o.spec.selector?.matchLabels)
            : undefined;
      if (selector === undefined || Object.keys(selector).length === 0) continue;
      if (!pods.some((p) => p.ns === o.metadata.namespace && selects(selector, p.labels))) {
        dangling.push(idOf(o));
      }
    }
    expect(dangling).toEqual([]);
  });

  it('mounts only ConfigMaps and claims that exist', () => {
    const have = new Set(
      objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
    );
    const missing: string[] = [];
    for (const pod of podTemplates(objects)) {
      const ns = pod.owner.metadata.namespace;
      const claimTemplates = new Set(
        (pod.owner.spec.volumeClaimTemplates ?? []).map((t: K8sObject) => t.metadata.name),
      );
      for (const v of pod.spec.volumes ?? []) {
        if (v.configMap && !have.has(`ConfigMap/${ns}/${v.configMap.name}`))
          missing.push(v.configMap.name);
        if (
          v.persistentVolumeClaim &&
          !have.has(`PersistentVolumeClaim/${ns}/${v.persistentVolumeClaim.claimName}`)
        ) {
          missing.push(v.persistentVolumeClaim.claimName);
        }
      }
      for (const c of [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])]) {
        for (const m of c.volumeMounts ?? []) {
          const declared = (pod.spec.volumes ?? []).some(
            (v: { name: string }) => v.name === m.name,
          );
          if (!declared && !claimTemplates.has(m.name))
            missing.push(`${idOf(pod.owner)} mount ${m.name}`);
        }
        for (const from of c.envFrom ?? []) {
          if (from.configMapRef && !have.has(`ConfigMap/${ns}/${from.configMapRef.name}`)) {
            missing.push(from.configMapRef.name);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('lets Prometheus through the NetworkPolicies to every annotated port it scrapes', () => {
    const blocked: string[] = [];
    for (const pod of podTemplates(objects)) {
      const ann = pod.metadata?.annotations ?? {};
      const ns = pod.owner.metadata.namespace;
      if (ann['prometheus.io/scrape'] !== 'true' || ns === 'zamperla-monitoring') continue;
      const port = Number(ann['prometheus.io/port']);
      const allowed = objects
        .filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === ns)
        .filter((o) => selects(o.spec.podSelector.matchLabels, pod.metadata?.labels))
        .flatMap((o) => o.spec.ingress ?? [])
        .some(
          (rule: { from?: unknown[]; ports?: { port: number }[] }) =>
            (rule.ports ?? []).some((x) => x.port === port) &&
            JSON.stringify(rule.from ?? []).includes('"app.kubernetes.io/name":"prometheus"'),
        );
      if (!allowed) blocked.push(`${idOf(pod.owner)}:${port}`);
    }
    expect(blocked).toEqual([]);
  });

  it('probes only ports the container declares', () => {
    const wrong: string[] = [];
    for (const { pod, container: c } of containers(objects)) {
      const names = new Set((c.ports ?? []).map((p: { name?: string }) => p.name));
      const numbers = new Set(
        (c.ports ?? []).map((p: { containerPort: number }) => p.containerPort),
      );
      for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
        const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
        if (port === undefined) continue;
        if (!(typeof port === 'string' ? names.has(port) : numbers.has(port))) {
          wrong.push(`${idOf(pod.owner)} ${c.name} probe port ${port}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('denies all traffic by default; only the API, jobs and backup reach PostgreSQL; only the gateway and Prometheus reach the API', () => {
    const policies = objects.filter(
      (o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'zamperla',
    );
    const deny = policies.find(
      (p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress && !p.spec.egress,
    );
    expect(deny?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const peers = (app: string, port: number) =>
      policies
        .filter((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === app)
        .flatMap((p) => p.spec.ingress ?? [])
        .filter((r: { ports: { port: number }[] }) => r.ports.some((x) => x.port === port))
        .flatMap((rule: { from: unknown[] }) => rule.from)
        .map((peer: unknown) => JSON.stringify(peer))
        .sort();
    const pods = (...names: string[]) =>
      names
        .map((name) =>
          JSON.stringify({ podSelector: { matchLabels: { 'app.kubernetes.io/name': name } } }),
        )
        .sort();
    const prometheus = JSON.stringify({
      namespaceSelector: {
        matchLabels: { 'kubernetes.io/metadata.name': 'zamperla-monitoring' },
      },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
    });
    expect(peers('postgres', 5432)).toEqual(pods('central-api', 'central-jobs', 'postgres-backup'));
    expect(peers('postgres', 9187)).toEqual([prometheus]);
    const api = policies
      .filter((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'central-api')
      .flatMap((p) => p.spec.ingress ?? [])
      .flatMap((rule: { from: unknown[] }) => rule.from)
      .map((peer: unknown) => JSON.stringify(peer));
    expect(api.join()).toContain('envoy-gateway-system');
    expect(api.join()).toContain('prometheus');
    expect(api.join()).not.toContain('ingress-nginx');
    expect(
      policies
        .filter(
          (p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'central-jobs',
        )
        .flatMap((p) => p.spec.ingress ?? []),
    ).toEqual([]);
    // AMQP only from the API and the jobs; the management API only from KEDA's namespace.
    expect(peers('rabbitmq', 5672)).toEqual(pods('central-api', 'central-jobs'));
    expect(peers('rabbitmq', 15672)).toEqual([
      JSON.stringify({
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } },
      }),
    ]);
  });
});

describe('the credential check', () => {
  it('flags a password in a URL, a park token, a key, and a password setting in a ConfigMap', () => {
    const configMap = (data: Record<string, string>): K8sObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'leaky', namespace: 'zamperla' },
      data,
    });
    const cases: Record<string, string>[] = [
      { DATABASE_URL: 'postgres://zra:hunter2@postgres:5432/zra' },
      { AGENT: `central.token: zra_${'Ab3'.repeat(14)}x` },
      { 'tls.key': '-----BEGIN PRIVATE KEY-----' },
      { 'rabbitmq.conf': 'default_pass = hunter2' },
      { DB_PASSWORD: 'x' },
    ];
    for (const data of cases)
      expect(secretLookingEntries([configMap(data)]), JSON.stringify(data)).not.toEqual([]);
    // Metric names and plain settings are not credentials.
    expect(
      secretLookingEntries([
        configMap({
          rules: 'max(zra_park_backlog_oldest_seconds_and_more_words) > 1',
          HOST: '0.0.0.0',
        }),
      ]),
    ).toEqual([]);
  });
});

describe('storage per environment', () => {
  it('shares the blob store ReadWriteOnce on the single dev node; Prometheus keeps its data on a claim in prod', async () => {
    const dev = await render('overlays/dev');
    const prod = await render('overlays/prod');
    expect(one(dev, 'PersistentVolumeClaim', 'blob-store').spec.accessModes).toEqual([
      'ReadWriteOnce',
    ]);
    expect(one(dev, 'ConfigMap', 'central-config').data.BLOB_STORE).toBeUndefined();
    for (const { pod, container } of blobContainers(dev)) {
      const mount = container.volumeMounts.find(
        (m: { mountPath: string }) => m.mountPath === BLOB_DIR,
      );
      const volume = pod.spec.volumes.find((v: { name: string }) => v.name === mount?.name);
      expect(volume?.persistentVolumeClaim?.claimName, idOf(pod.owner)).toBe('blob-store');
    }
    const prom = one(prod, 'Deployment', 'prometheus').spec.template.spec.volumes.find(
      (v: { name: string }) => v.name === 'data',
    );
    expect(prom).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'prometheus-data' } });
    expect(one(prod, 'PersistentVolumeClaim', 'prometheus-data').metadata.namespace).toBe(
      'zamperla-monitoring',
    );
  });

  it('keeps blobs in the object store in prod: no RWX claim, S3 settings in the ConfigMap, the key from a Secret, a scratch BLOB_DIR per pod, egress to the store', async () => {
    const prod = await render('overlays/prod');
    expect(
      prod.filter((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === 'blob-store'),
    ).toEqual([]);
    const config = one(prod, 'ConfigMap', 'central-config').data as Record<string, string>;
    expect(config).toMatchObject({ BLOB_STORE: 's3', BLOB_DIR });
    for (const key of ['S3_ENDPOINT', 'S3_BUCKET', 'S3_REGION']) expect(config[key]).toBeTruthy();
    expect(Object.keys(config).filter((k) => /ACCESS_KEY/.test(k))).toEqual([]);
    const pods = blobContainers(prod);
    // The API and every job kind: they all read or write blobs.
    expect(pods.map((p) => p.pod.owner.metadata.name).sort()).toEqual([
      'central-api',
      'central-download',
      'central-postprocess',
      'central-report',
    ]);
    for (const { pod, container } of pods) {
      const at = idOf(pod.owner);
      for (const [name, key] of [
        ['S3_ACCESS_KEY_ID', 'access-key-id'],
        ['S3_SECRET_ACCESS_KEY', 'secret-access-key'],
      ]) {
        const env = container.env.find((e: { name: string }) => e.name === name);
        expect(env?.valueFrom?.secretKeyRef, `${at} ${name}`).toEqual({
          name: 'central-blob-store',
          key,
        });
      }
      const mount = container.volumeMounts.find(
        (m: { mountPath: string }) => m.mountPath === BLOB_DIR,
      );
      const volume = pod.spec.volumes.find((v: { name: string }) => v.name === mount?.name);
      expect(volume?.emptyDir?.sizeLimit, at).toBeTruthy();
      expect(volume?.persistentVolumeClaim, at).toBeUndefined();
    }
    // Egress to the store from exactly those pods, over HTTPS.
    const egress = one(prod, 'NetworkPolicy', 'central-blob-store-egress');
    expect(egress.spec.policyTypes).toEqual(['Egress']);
    expect(egress.spec.podSelector.matchExpressions).toEqual([
      {
        key: 'app.kubernetes.io/name',
        operator: 'In',
        values: ['central-api', 'central-jobs'],
      },
    ]);
    expect(egress.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: expect.any(String) } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
    expect(new URL(config.S3_ENDPOINT ?? '').protocol).toBe('https:');
  });
});

/** BLOB_DIR in the base ConfigMap. */
const BLOB_DIR = '/var/lib/zamperla/blob';

/** The containers that mount BLOB_DIR (the API and the job workers), with their pods. */
function blobContainers(objects: K8sObject[]) {
  return containers(objects).filter(
    ({ init, container }) =>
      !init &&
      (container.volumeMounts ?? []).some((m: { mountPath: string }) => m.mountPath === BLOB_DIR),
  );
}
