import { freePort } from '../../scripts/harness/port.ts';
import { mustPodman, podman } from '../../scripts/images/podman.mjs';
import type { PodTemplate } from '../test-support/pod-specs.ts';

/** A container of a rendered pod template, as Kubernetes would run it. */
export interface ContainerSpec {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  envFrom?: { configMapRef?: { name: string } }[];
  volumeMounts?: { name: string; mountPath: string }[];
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
    runAsUser?: number;
  };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
}

/** What the cluster would provide and this machine stands in for. */
export interface PodEnvironment {
  /** The data of a ConfigMap, by name. */
  configMap(name: string): Record<string, string>;
  /** The value a Secret key holds here (throws for a Secret the test does not provide). */
  secret(name: string, key: string): string;
  /** The host folder standing in for a PersistentVolumeClaim. */
  claim(name: string): string;
}

/** A started container and the host ports its declared ports are published on. */
export interface RunningContainer {
  name: string;
  hostPorts: Map<string | number, number>;
}

/**
 * The `podman run` arguments that run `container` of `pod` as the kubelet would: the pod's user
 * and group ids (fsGroup as a supplementary group), the container's security context (read-only
 * root without podman's own writable tmpfs mounts, every capability dropped, no privilege
 * escalation), the env of its ConfigMaps and Secrets, the volumes it mounts (emptyDir as a
 * tmpfs of its sizeLimit, a claim as a host folder) and nothing else, its own network namespace
 * (slirp4netns) that reaches the host's loopback services at 10.0.2.2, and each declared port
 * published on a free loopback port.
 */
export function podmanRunArgs(
  pod: PodTemplate,
  container: ContainerSpec,
  env: PodEnvironment,
  hostPorts: Map<string | number, number>,
): string[] {
  const args: string[] = ['--network=slirp4netns:allow_host_loopback=true', '--pull=never'];
  const podSc = pod.spec.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const user = sc.runAsUser ?? podSc.runAsUser;
  if (user === undefined) throw new Error(`${container.name}: no runAsUser in the manifests`);
  args.push('--user', `${user}:${podSc.runAsGroup ?? user}`);
  if (podSc.fsGroup !== undefined) args.push('--group-add', String(podSc.fsGroup));
  if (sc.readOnlyRootFilesystem) args.push('--read-only', '--read-only-tmpfs=false');
  if (sc.allowPrivilegeEscalation === false) args.push('--security-opt=no-new-privileges');
  for (const cap of sc.capabilities?.drop ?? []) args.push(`--cap-drop=${cap}`);
  for (const from of container.envFrom ?? []) {
    if (!from.configMapRef) throw new Error(`${container.name}: envFrom other than a ConfigMap`);
    for (const [k, v] of Object.entries(env.configMap(from.configMapRef.name))) {
      args.push('--env', `${k}=${v}`);
    }
  }
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    args.push('--env', `${e.name}=${ref ? env.secret(ref.name, ref.key) : (e.value ?? '')}`);
  }
  const volumes = new Map(
    ((pod.spec.volumes ?? []) as { name: string }[]).map((v) => [
      v.name,
      v as Record<string, unknown>,
    ]),
  );
  for (const m of container.volumeMounts ?? []) {
    const v = volumes.get(m.name);
    const emptyDir = v?.emptyDir as { sizeLimit?: string; medium?: string } | undefined;
    const claim = v?.persistentVolumeClaim as { claimName: string } | undefined;
    if (emptyDir) {
      const size = emptyDir.sizeLimit ? `,size=${emptyDir.sizeLimit.replace(/i$/, '')}` : '';
      args.push('--tmpfs', `${m.mountPath}:rw,mode=1777${size}`);
    } else if (claim) {
      args.push('--volume', `${env.claim(claim.claimName)}:${m.mountPath}`);
    } else {
      throw new Error(`${container.name}: volume ${m.name} is neither an emptyDir nor a claim`);
    }
  }
  for (const p of container.ports ?? []) {
    const host = hostPorts.get(p.name ?? p.containerPort);
    if (host === undefined)
      throw new Error(`${container.name}: no host port for ${p.containerPort}`);
    args.push('--publish', `127.0.0.1:${host}:${p.containerPort}`);
  }
  if (container.command) args.push('--entrypoint', JSON.stringify(container.command));
  args.push(container.image, ...(container.args ?? []));
  return args;
}

/** Host ports for each declared port of a container, by port name (and number). */
export async function hostPortsFor(
  container: ContainerSpec,
): Promise<Map<string | number, number>> {
  const ports = new Map<string | number, number>();
  for (const p of container.ports ?? []) {
    const port = await freePort();
    ports.set(p.containerPort, port);
    if (p.name) ports.set(p.name, port);
  }
  return ports;
}

/** Starts a container in the background (`podman run -d`). */
export async function startContainer(
  name: string,
  pod: PodTemplate,
  container: ContainerSpec,
  env: PodEnvironment,
): Promise<RunningContainer> {
  const hostPorts = await hostPortsFor(container);
  await mustPodman(
    ['run', '-d', '--name', name, ...podmanRunArgs(pod, container, env, hostPorts)],
    `starting ${name}`,
  );
  return { name, hostPorts };
}

/** Runs a container to its end (`podman run --rm`); resolves with its exit code and logs. */
export async function runToEnd(
  name: string,
  pod: PodTemplate,
  container: ContainerSpec,
  env: PodEnvironment,
  timeoutMs: number,
): Promise<{ code: number; logs: string }> {
  const r = await podman(
    ['run', '--rm', '--name', name, ...podmanRunArgs(pod, container, env, new Map())],
    { timeoutMs },
  );
  return { code: r.code, logs: `${r.stdout}${r.stderr}` };
}

/** The URL of an HTTP probe of a started container, on its published port. */
export function probeUrl(
  running: RunningContainer,
  probe: { httpGet?: { path: string; port: string | number } } | undefined,
): string {
  if (!probe?.httpGet) throw new Error(`${running.name}: the probe is not an HTTP probe`);
  const port = running.hostPorts.get(probe.httpGet.port);
  if (port === undefined)
    throw new Error(`${running.name}: probe port ${probe.httpGet.port} is not declared`);
  return `http://127.0.0.1:${port}${probe.httpGet.path}`;
}

/** A container's logs so far (for failure messages). */
export async function logsOf(name: string): Promise<string> {
  const r = await podman(['logs', name]);
  return `${r.stdout}${r.stderr}`.slice(-6000);
}

/** Removes containers, whatever state they are in. */
export async function removeContainers(names: string[]): Promise<void> {
  for (const name of names) await podman(['rm', '-f', '-t', '0', name]);
}
