import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ensureKubectl } from '../tools/kubectl.mjs';

/** The k8s/ folder. */
export const K8S_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The overlays an operator applies; every test runs over each. */
export const OVERLAYS = ['dev', 'prod'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** One rendered Kubernetes object, loosely typed: tests read it by path. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are read by path
  [key: string]: any;
}

const run = promisify(execFile);

/**
 * Renders a kustomization (a folder under k8s/) with real kustomize, the one built into
 * kubectl 1.35 (kustomize v5.7), and parses every document.
 */
export async function render(folder: string): Promise<K8sObject[]> {
  const kubectl = await ensureKubectl();
  const { stdout } = await run(kubectl, ['kustomize', `${K8S_DIR}${folder}`], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(stdout)) {
    if (doc.errors.length > 0) throw new Error(`kustomize output: ${doc.errors.join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    if (value) objects.push(value);
  }
  return objects;
}

/** `Kind/namespace/name`, for messages that say which object broke a rule. */
export function idOf(o: K8sObject): string {
  return `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`;
}
