/**
 * Offline schema validation of rendered objects against the official Kubernetes
 * OpenAPI schemas (kubernetes-models, generated from Kubernetes' own OpenAPI
 * spec) and the Prometheus Operator CRD schemas (@kubernetes-models/prometheus-operator).
 *
 * The generated validators check types, enums, formats and required fields but,
 * like the OpenAPI spec, let unknown fields through. The API server does not:
 * `kubectl apply` uses strict field validation, so a typo such as `readinessProbes`
 * fails at deploy time. We catch those here too: the validator reads each field it
 * knows, so a field it never read is one the schema does not define.
 */

import type { K8sObject } from './kustomize.js';

interface ModelClass {
  new (data: unknown): { toJSON(): unknown };
  prototype: { validate(this: unknown): void };
}

/** Module that holds the model classes of an apiVersion; undefined if we have no schema for it. */
function moduleFor(apiVersion: string): string | undefined {
  if (apiVersion === 'v1') return 'kubernetes-models/v1';
  const [group, version] = apiVersion.split('/');
  if (!group || !version) return undefined;
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${group}/${version}`;
  // Built-in groups: apps, autoscaling, policy, batch, networking.k8s.io, rbac.authorization.k8s.io, ...
  return `kubernetes-models/${group}/${version}`;
}

async function modelClass(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const specifier = moduleFor(apiVersion);
  if (!specifier) return undefined;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const cls = mod[kind];
  return typeof cls === 'function' ? (cls as ModelClass) : undefined;
}

/** Wrap `value` so that every property read is recorded as a JSON-pointer-like path. */
function tracked(value: unknown, path: string, read: Set<string>): unknown {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      const child = Reflect.get(target, key, receiver) as unknown;
      if (typeof key !== 'string') return child;
      read.add(`${path}/${key}`);
      return tracked(child, `${path}/${key}`, read);
    },
  });
}

function allPaths(value: unknown, path: string, out: string[]): string[] {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      out.push(`${path}/${key}`);
      allPaths(child, `${path}/${key}`, out);
    }
  }
  return out;
}

/**
 * Validate one object. Returns the problems found (empty when valid): schema
 * errors, unknown fields, or "no schema" for a kind we cannot check (which must
 * fail rather than pass unchecked).
 */
export async function validateObject(obj: K8sObject): Promise<string[]> {
  const where = `${obj.kind}/${obj.metadata.name}`;
  const cls = await modelClass(obj.apiVersion, obj.kind);
  if (!cls) return [`${where}: no schema for ${obj.apiVersion} ${obj.kind}`];
  const data = new cls(withBase64Unwrapped(obj)).toJSON();
  const read = new Set<string>();
  try {
    cls.prototype.validate.call(tracked(data, '', read));
  } catch (err) {
    return [`${where}: ${(err as Error).message}`];
  }
  // Report the outermost unknown field only, not everything beneath it.
  const parent = (p: string) => p.slice(0, p.lastIndexOf('/'));
  const unknown = allPaths(data, '', []).filter((p) => !read.has(p) && (parent(p) === '' || read.has(parent(p))));
  return unknown.map((p) => `${where}: unknown field ${p}`);
}

/**
 * Kustomize's secretGenerator wraps base64 values at 76 characters. The API
 * server's decoder (Go's encoding/base64) skips line breaks, the schema's
 * "byte" format does not: unwrap before checking, as the server would.
 */
function withBase64Unwrapped(obj: K8sObject): K8sObject {
  if (obj.apiVersion !== 'v1' || obj.kind !== 'Secret' || typeof obj.data !== 'object' || obj.data === null) return obj;
  const data = Object.fromEntries(
    Object.entries(obj.data as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/[\r\n]/g, '') : v]),
  );
  return { ...obj, data };
}

export async function validateAll(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const obj of objects) problems.push(...(await validateObject(obj)));
  return problems;
}
