/**
 * The rendered Ingress against the server's own route table: start the real
 * server, read its OpenAPI document (every route it serves), and check what the
 * Ingress does with each — the scoring API is published (and reaches pods that
 * serve the model it names), repository control, probes, metrics, docs and the
 * demo page are not — and that the proxy's body and time limits agree with the
 * server's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1';
import type { IService } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/server/config.js';
import { makeFaqRepo } from '../helpers/models.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { nginxSize, route } from './helpers/ingress-match.js';
import { type K8sObject, ofKind, render } from './helpers/kustomize.js';
import { deploymentEnv, selects } from './helpers/policy.js';
import { kubectlTool } from './helpers/tools.js';

const kubectl = kubectlTool();

interface Operation {
  tags?: string[];
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };

/** Routes that stay inside the cluster, by OpenAPI tag. */
const PRIVATE_TAGS = new Set(['health', 'repository']);
/** Served but not in the OpenAPI document (hidden): never published either. */
const PRIVATE_UNDOCUMENTED = ['/', '/index.html', '/app.js', '/docs', '/docs/', '/docs/static/index.html', '/openapi.json'];
/** The model a route without {name} in its path uses by default (src/server/routes). */
const DEFAULT_MODEL: Record<string, string> = { '/v1/faq/match': 'faq', '/v1/images/classify': 'resnet152', '/score': 'faq' };

const VARIANTS = [
  { name: 'cpu + ingress-tls', resources: ['overlays/cpu'], components: ['components/ingress-tls'] },
  { name: 'cpu + gpu + ingress-tls + gpu-routes (example-production-gpu)', resources: ['overlays/example-production-gpu'], components: [] },
];

describe.skipIf(!kubectl.path)(`the Ingress against the server's route table${kubectl.path ? '' : ` (skipped: ${kubectl.missing})`}`, () => {
  let server: TestServer;
  let dir: string;
  let openapi: OpenApi;

  beforeAll(async () => {
    // The route table does not depend on the models; one small real one lets the server start.
    dir = await mkdtemp(join(tmpdir(), 'rts-ingress-'));
    await makeFaqRepo(dir);
    server = await startTestServer(dir);
    const res = await fetch(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    openapi = (await res.json()) as OpenApi;
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Concrete request paths for an OpenAPI path template, one per model name. */
  const instances = (template: string, models: string[]): { path: string; model?: string }[] => {
    if (!template.includes('{name}')) return [{ path: template.replace(/\{version\}/g, '1'), model: DEFAULT_MODEL[template] }];
    return models.map((m) => ({ path: template.replace(/\{name\}/g, m).replace(/\{version\}/g, '1'), model: m }));
  };

  describe.each(VARIANTS)('$name', ({ resources, components }) => {
    let objects: K8sObject[];
    let ingress: IIngress & K8sObject;
    let host: string;
    let modelsOf: (service: string) => string[];
    let allModels: string[];

    beforeAll(() => {
      objects = render(kubectl.path!, resources, components);
      [ingress] = ofKind<IIngress & K8sObject>(objects, 'Ingress') as [IIngress & K8sObject];
      host = ingress.spec!.rules![0]!.host!;
      const env = deploymentEnv(objects);
      const services = ofKind<IService & K8sObject>(objects, 'Service');
      const deployments = ofKind<IDeployment & K8sObject>(objects, 'Deployment');
      modelsOf = (service) => {
        const svc = services.find((s) => s.metadata.name === service)!;
        const dep = deployments.find((d) =>
          selects(svc.spec!.selector as Record<string, string>, (d.spec!.template.metadata!.labels ?? {}) as Record<string, string>),
        )!;
        return env.get(dep.metadata.name)!.RTSCORE_MODELS!.split(',');
      };
      allModels = [...new Set(services.flatMap((s) => modelsOf(s.metadata.name)))].sort();
    });

    it('publishes every API route of the server, to pods that serve the model it names', () => {
      const published = Object.entries(openapi.paths).filter(([, ops]) => !Object.values(ops).some((op) => op.tags?.some((t) => PRIVATE_TAGS.has(t))));
      // The reference's routes and both of our APIs are among them.
      expect(published.map(([p]) => p)).toEqual(
        expect.arrayContaining([
          '/score',
          '/models/{name}/score',
          '/v1/faq/match',
          '/v1/images/classify',
          '/v2',
          '/v2/models/{name}/infer',
          '/v2/health/ready',
        ]),
      );
      for (const [template] of published) {
        for (const { path, model } of instances(template, allModels)) {
          const match = route(ingress, host, path);
          expect(match, `${path} is not published`).toBeDefined();
          if (model) expect(modelsOf(match!.service), `${path} goes to ${match!.service}`).toContain(model);
        }
      }
    });

    it('keeps repository control, probes, metrics, docs and the demo page inside the cluster', () => {
      const hidden = Object.entries(openapi.paths).filter(([, ops]) => Object.values(ops).some((op) => op.tags?.some((t) => PRIVATE_TAGS.has(t))));
      expect(hidden.map(([p]) => p)).toEqual(
        expect.arrayContaining([
          '/v2/repository/index',
          '/v2/repository/models/{name}/load',
          '/v2/repository/models/{name}/unload',
          '/metrics',
          '/healthz',
          '/readyz',
        ]),
      );
      for (const [template] of hidden) {
        if (template.startsWith('/v2/health/')) continue; // OIP health is for clients: published above
        for (const { path } of instances(template, allModels)) expect(route(ingress, host, path), path).toBeUndefined();
      }
      for (const path of PRIVATE_UNDOCUMENTED) expect(route(ingress, host, path), path).toBeUndefined();
      // Element-wise prefixes: no look-alike path slips through.
      expect(route(ingress, host, '/v2/repositoryx')).toBeUndefined();
      expect(route(ingress, host, '/scores')).toBeUndefined();
    });

    it('lets through the bodies the server accepts, and waits as long as the server does', () => {
      const annotations = ingress.metadata.annotations ?? {};
      const defaults = configSchema.parse({});
      const configured = [...deploymentEnv(objects).values()].map((e) => Number(e.RTSCORE_BODY_LIMIT_BYTES ?? defaults.bodyLimitBytes));
      for (const limit of configured) expect(nginxSize(annotations['nginx.ingress.kubernetes.io/proxy-body-size']!)).toBe(limit);
      const timeouts = [...deploymentEnv(objects).values()].map((e) => Number(e.RTSCORE_REQUEST_TIMEOUT_MS ?? defaults.requestTimeoutMs) / 1000);
      for (const t of timeouts) expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(t);
    });
  });
});
