/**
 * Render rtscore's Kustomize trees with `kubectl kustomize` (the renderer named
 * by the deployment docs; no cluster needed) and parse the result.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** deploy/k8s of this checkout. */
export const K8S_DIR = resolve(fileURLToPath(new URL('../../../deploy/k8s', import.meta.url)));

/** A rendered Kubernetes object; typed access goes through kubernetes-models' interfaces. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The local key files deploy/k8s/secrets generates its Secrets from (never committed). */
export const KEY_FILES = ['api-keys.txt', 'admin-api-keys.txt'];

let renderRoot: string | undefined;

/**
 * What the tests render: a copy of deploy/k8s with freshly made key files in
 * secrets/, as an operator's checkout has them (deploy/README.md, "API keys").
 * The operator's own key files, if any, are neither read nor touched.
 */
export function k8sRenderRoot(): string {
  if (!renderRoot) {
    const root = mkdtempSync(join(tmpdir(), 'rtscore-k8s-'));
    cpSync(K8S_DIR, root, { recursive: true, filter: (src) => !KEY_FILES.includes(relative(join(K8S_DIR, 'secrets'), src)) });
    for (const file of KEY_FILES) writeFileSync(join(root, 'secrets', file), `${randomBytes(32).toString('hex')}\n`);
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    renderRoot = root;
  }
  return renderRoot;
}

/**
 * Render a kustomization made of `resources` (directories under deploy/k8s, e.g.
 * 'overlays/cpu') and `components` (e.g. 'components/monitoring'), the way an
 * operator's own overlay would combine them. A single resource without components
 * is rendered in place.
 */
export function render(kubectl: string, resources: string[], components: string[] = []): K8sObject[] {
  const root = k8sRenderRoot();
  if (resources.length === 1 && components.length === 0) {
    return parseManifests(runKustomize(kubectl, join(root, resources[0]!)));
  }
  // Kustomize refuses absolute paths for bases, so the temporary overlay uses relative ones.
  const dir = mkdtempSync(join(tmpdir(), 'rtscore-kustomize-'));
  try {
    const rel = (p: string) => relative(dir, join(root, p));
    const lines = ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', ...resources.map((r) => `  - ${rel(r)}`)];
    if (components.length > 0) lines.push('components:', ...components.map((c) => `  - ${rel(c)}`));
    writeFileSync(join(dir, 'kustomization.yaml'), `${lines.join('\n')}\n`);
    return parseManifests(runKustomize(kubectl, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function runKustomize(kubectl: string, dir: string): string {
  return execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Parse a multi-document YAML stream; YAML errors (and warnings) fail loudly. */
export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error('a YAML document is not an object');
    const obj = value as K8sObject;
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string' || typeof obj.metadata?.name !== 'string') {
      throw new Error(`a document lacks apiVersion, kind or metadata.name: ${JSON.stringify(value).slice(0, 200)}`);
    }
    objects.push(obj);
  }
  return objects;
}

export function ofKind<T = K8sObject>(objects: K8sObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as unknown as T[];
}
