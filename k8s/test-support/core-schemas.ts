import type { K8sObject } from './render.ts';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

/**
 * Validates a core Kubernetes object against the API's own OpenAPI schema, compiled into the
 * `kubernetes-models` package (types, enums, required fields). Throws with the failing path.
 */
export async function validateCore(o: K8sObject): Promise<void> {
  const mod = (await import(`kubernetes-models/${o.apiVersion}`)) as Record<
    string,
    ModelClass | undefined
  >;
  const Model = mod[o.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  new Model(o).validate();
}
