import { describe, expect, it } from 'vitest';
import { validateCore } from './test-support/core-schemas.ts';
import { kedaValidators } from './test-support/keda-schemas.ts';
import { idOf, OVERLAYS, render, type K8sObject } from './test-support/render.ts';

/** Validates one object against its schema; returns the problems (empty when valid). */
async function problems(o: K8sObject): Promise<string[]> {
  if (o.apiVersion === 'keda.sh/v1alpha1') {
    const validate = kedaValidators[o.kind];
    if (!validate) return [`${idOf(o)}: no KEDA schema kept for ${o.kind}`];
    if (validate(o)) return [];
    return (validate.errors ?? []).map(
      (e) => `${idOf(o)}${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    );
  }
  try {
    await validateCore(o.kind === 'Secret' ? unfoldSecret(o) : o);
    return [];
  } catch (err) {
    return [`${idOf(o)}: ${(err as Error).message}`];
  }
}

/**
 * kustomize folds long base64 values over several lines; the API server's decoder skips the
 * line breaks, the schema's `byte` format does not, so they are joined before checking.
 */
function unfoldSecret(o: K8sObject): K8sObject {
  const data = Object.fromEntries(
    Object.entries((o.data ?? {}) as Record<string, string>).map(([k, v]) => [
      k,
      v.replace(/\s+/g, ''),
    ]),
  );
  return { ...o, data };
}

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  it('renders with kustomize and every object is valid against its schema', async () => {
    const objects = await render(`overlays/${overlay}`);
    expect(objects.length).toBeGreaterThan(40);
    const found = (await Promise.all(objects.map(problems))).flat();
    expect(found).toEqual([]);
    // The kinds the issue asks for are all there.
    const kinds = new Set(objects.map((o) => o.kind));
    for (const kind of [
      'Namespace',
      'Deployment',
      'StatefulSet',
      'Service',
      'GatewayClass',
      'Gateway',
      'HTTPRoute',
      'PodDisruptionBudget',
      'PriorityClass',
      'NetworkPolicy',
      'ScaledJob',
      'TriggerAuthentication',
      'ClusterRole',
      'ClusterRoleBinding',
      'PersistentVolumeClaim',
      'CronJob',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
  });

  it('names every object once per kind and namespace', async () => {
    const ids = (await render(`overlays/${overlay}`)).map(idOf);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });
});

describe('the validators reject what they should', () => {
  it('refuses a misspelt ScaledJob field (pollingIntervall), which the API server would drop', async () => {
    const [scaledJob] = (await render('overlays/dev')).filter((o) => o.kind === 'ScaledJob');
    expect(scaledJob).toBeDefined();
    const bad = structuredClone(scaledJob) as K8sObject;
    bad.spec.pollingIntervall = bad.spec.pollingInterval;
    delete bad.spec.pollingInterval;
    expect((await problems(bad)).join('\n')).toMatch(/pollingIntervall/);
  });

  it('refuses an unknown field in the job pod template (checked through the KEDA schema)', async () => {
    const [scaledJob] = (await render('overlays/dev')).filter((o) => o.kind === 'ScaledJob');
    const bad = structuredClone(scaledJob) as K8sObject;
    bad.spec.jobTargetRef.template.spec.containers[0].readOnlyRootFileSystem = true;
    expect((await problems(bad)).join('\n')).toMatch(/readOnlyRootFileSystem/);
  });

  it('refuses a Deployment whose replicas is not an integer and a container without a name', async () => {
    const [deployment] = (await render('overlays/dev')).filter((o) => o.kind === 'Deployment');
    const bad = structuredClone(deployment) as K8sObject;
    bad.spec.replicas = 'two';
    delete bad.spec.template.spec.containers[0].name;
    const found = (await problems(bad)).join('\n');
    expect(found).toMatch(/replicas must be integer/);
    expect(found).toMatch(/name/);
  });

  it('refuses an HTTPRoute path match of a type the Gateway API does not have (Prefix)', async () => {
    const route = (await render('overlays/dev')).find((o) => o.kind === 'HTTPRoute');
    expect(route).toBeDefined();
    const bad = structuredClone(route) as K8sObject;
    bad.spec.rules[0].matches[0].path.type = 'Prefix';
    expect((await problems(bad)).join('\n')).toMatch(/type/);
  });
});

describe('each part also renders alone', () => {
  it.each(['base', 'monitoring'])('%s', async (folder) => {
    const objects = await render(folder);
    expect((await Promise.all(objects.map(problems))).flat()).toEqual([]);
  });
});
