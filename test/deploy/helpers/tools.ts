/** Locate the external programs the deployment tests use; absent ones make tests skip, saying why. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Tool {
  path?: string;
  /** Why the tool cannot be used (set when path is not). */
  missing?: string;
}

/** kubectl whose embedded Kustomize is v5 or newer (KUBECTL overrides the PATH lookup). */
export function kubectlTool(): Tool {
  const candidate = process.env.KUBECTL ?? 'kubectl';
  const probe = spawnSync(candidate, ['version', '--client'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return { missing: `kubectl not found (${candidate}); run deploy/scripts/install-kubectl.sh` };
  }
  const major = Number(/Kustomize Version: v(\d+)/.exec(probe.stdout)?.[1] ?? 0);
  if (major < 5) {
    return { missing: `${candidate} bundles Kustomize v${major || '?'} (< 5: no components, no labels); run deploy/scripts/install-kubectl.sh` };
  }
  return { path: candidate };
}

/** nginx from Debian's package (NGINX overrides; /usr/sbin is often not on a user's PATH). */
export function nginxTool(): Tool {
  const candidates = [process.env.NGINX, 'nginx', '/usr/sbin/nginx'].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    if (candidate.startsWith('/') && !existsSync(candidate)) continue;
    const probe = spawnSync(candidate, ['-v'], { encoding: 'utf8' });
    if (!probe.error && probe.status === 0) return { path: candidate };
  }
  return { missing: 'nginx not found; install it with: apt-get install -y nginx' };
}
