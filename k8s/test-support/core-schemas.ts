import { pathToFileURL } from 'node:url';
import { ensureGatewayApiModels } from '../tools/gateway-api-models.mjs';
import type { K8sObject } from './render.ts';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

/** Models of the API groups that are not in kubernetes-models itself. */
const GATEWAY_API = 'gateway.networking.k8s.io/';

/**
 * Validates a Kubernetes object against the API's own OpenAPI schema, compiled into the
 * `kubernetes-models` package (types, enums, required fields), or for the Gateway API kinds
 * into `@kubernetes-models/gateway-api` (k8s/tools/gateway-api-models.mjs). Throws with the
 * failing path.
 */
export async function validateCore(o: K8sObject): Promise<void> {
  const mod = (await import(
    o.apiVersion.startsWith(GATEWAY_API)
      ? pathToFileURL(`${ensureGatewayApiModels()}/${o.apiVersion}/index.js`).href
      : `kubernetes-models/${o.apiVersion}`
  )) as Record<string, ModelClass | undefined>;
  const Model = mod[o.kind];
  if (!Model) throw new Error(`no model of ${o.apiVersion} ${o.kind}`);
  new Model(o).validate();
}
