import type { K8sObject } from './render.ts';

/** A pod template found inside a workload, with what kind of life its pods have. */
export interface PodTemplate {
  owner: K8sObject;
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read by path
  spec: any;
  /** Deployments and StatefulSets run forever and need probes; jobs run to completion. */
  longRunning: boolean;
}

/** Every pod template of the rendered objects (Deployment, StatefulSet, CronJob, Job, ScaledJob). */
export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    const template =
      o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'Job'
        ? o.spec?.template
        : o.kind === 'CronJob'
          ? o.spec?.jobTemplate?.spec?.template
          : o.kind === 'ScaledJob'
            ? o.spec?.jobTargetRef?.template
            : undefined;
    if (template) {
      out.push({
        owner: o,
        metadata: template.metadata,
        spec: template.spec,
        longRunning: o.kind === 'Deployment' || o.kind === 'StatefulSet',
      });
    }
  }
  return out;
}

/** A container of a pod template, init containers included. */
export interface ContainerOf {
  pod: PodTemplate;
  init: boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read by path
  container: any;
}

/** Every container, init containers included. */
export function containers(objects: K8sObject[]): ContainerOf[] {
  return podTemplates(objects).flatMap((pod) => [
    ...((pod.spec.initContainers ?? []) as unknown[]).map((container) => ({
      pod,
      init: true,
      container,
    })),
    ...((pod.spec.containers ?? []) as unknown[]).map((container) => ({
      pod,
      init: false,
      container,
    })),
  ]);
}

/** True when every key/value of `selector` is among `labels`. */
export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return true;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}
