/**
 * Which backend an Ingress sends a request path to, by the Kubernetes rules
 * (networking.k8s.io/v1): `Exact` matches the path as it is; `Prefix` matches
 * element by element on `/` (`/v2/models` matches `/v2/models/x` but not
 * `/v2/modelsx`); the longest matching path wins, and `Exact` beats `Prefix`
 * at equal length. ingress-nginx implements the same.
 */
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1';

export interface IngressMatch {
  path: string;
  pathType: string;
  service: string;
}

function elements(path: string): string[] {
  return path.split('/').filter(Boolean);
}

function matches(rulePath: string, pathType: string, requestPath: string): boolean {
  if (pathType === 'Exact') return rulePath === requestPath;
  const rule = elements(rulePath);
  const request = elements(requestPath);
  return rule.length <= request.length && rule.every((e, i) => request[i] === e);
}

/** The backend Service for `requestPath` on `host`, or undefined when nothing matches (404 at the controller). */
export function route(ingress: IIngress, host: string, requestPath: string): IngressMatch | undefined {
  const candidates: IngressMatch[] = [];
  for (const rule of ingress.spec?.rules ?? []) {
    if (rule.host !== undefined && rule.host !== host) continue;
    for (const p of rule.http?.paths ?? []) {
      if (p.path !== undefined && matches(p.path, p.pathType, requestPath)) {
        candidates.push({ path: p.path, pathType: p.pathType, service: p.backend.service!.name });
      }
    }
  }
  candidates.sort(
    (a, b) =>
      elements(b.path).length - elements(a.path).length || b.path.length - a.path.length || Number(b.pathType === 'Exact') - Number(a.pathType === 'Exact'),
  );
  return candidates[0];
}

/** nginx size ("32m", "512k", "1g", bytes) in bytes; nginx's k/m/g are binary. */
export function nginxSize(value: string): number {
  const m = /^(\d+)([kKmMgG])?$/.exec(value.trim());
  if (!m) throw new Error(`not an nginx size: ${value}`);
  const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return Number(m[1]) * unit;
}
