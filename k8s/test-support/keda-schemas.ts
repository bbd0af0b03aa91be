import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { K8S_DIR } from './render.ts';

type Schema = Record<string, unknown>;

/**
 * Closes every object schema that lists its properties (and does not preserve unknown
 * fields), so a misspelt field is an error; the CRDs leave unknown fields open because the
 * API server prunes them silently, which is exactly how a typo goes unnoticed.
 */
function closeObjects(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) closeObjects(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Schema;
  if (
    schema.properties &&
    schema['x-kubernetes-preserve-unknown-fields'] !== true &&
    schema.additionalProperties === undefined
  ) {
    schema.additionalProperties = false;
  }
  for (const value of Object.values(schema)) closeObjects(value);
}

function compile(file: string): ValidateFunction {
  const crd = parse(readFileSync(`${K8S_DIR}schemas/keda/${file}`, 'utf8')) as {
    spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
  };
  const version = crd.spec.versions[0];
  if (!version) throw new Error(`${file}: the CRD has no version`);
  const schema = structuredClone(version.schema.openAPIV3Schema);
  // apiVersion, kind and metadata are checked by the API server itself, not the CRD schema.
  closeObjects(schema.properties);
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const format of ['int32', 'int64', 'double', 'date-time', 'byte']) {
    ajv.addFormat(format, true);
  }
  return ajv.compile(schema);
}

/** Validators for the KEDA kinds we use, from the CRDs kept in k8s/schemas/keda/. */
export const kedaValidators: Record<string, ValidateFunction> = {
  ScaledJob: compile('keda.sh_scaledjobs.yaml'),
  TriggerAuthentication: compile('keda.sh_triggerauthentications.yaml'),
};
