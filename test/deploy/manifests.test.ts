/**
 * The Kubernetes manifests, checked without a cluster: every variant we ship
 * renders with `kubectl kustomize`, every object validates against the official
 * Kubernetes OpenAPI schemas (and the ServiceMonitor against the Prometheus
 * Operator CRD), and the project policy holds (helpers/policy.ts).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { IIngress, INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import type { IConfigMap, INamespace, ISecret, IService } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { K8S_DIR, type K8sObject, KEY_FILES, k8sRenderRoot, ofKind, parseManifests, render, runKustomize } from './helpers/kustomize.js';
import {
  consistencyViolations,
  deploymentEnv,
  disruptionViolations,
  gpuViolations,
  imageViolations,
  projectPolicyViolations,
  resourceViolations,
  securityViolations,
  workloads,
} from './helpers/policy.js';
import { validateAll, validateObject } from './helpers/schema.js';
import { cpuMillis, memoryMiB, podsPerNode, REFERENCE_NODE } from './helpers/sizing.js';
import { kubectlTool } from './helpers/tools.js';

const kubectl = kubectlTool();
if (!kubectl.path) console.warn(`[test/deploy] skipping manifest rendering: ${kubectl.missing}`);

interface Variant {
  name: string;
  resources: string[];
  components?: string[];
  /** GPUs per pod, by Deployment name. */
  gpus: Record<string, number>;
  /** Secrets the pods mount that another overlay provides. */
  externalSecrets?: string[];
}

const ALL_COMPONENTS = ['components/ingress-tls', 'components/monitoring', 'components/hpa-custom-metrics', 'components/models-volume'];
const CPU_SECRETS = ['rtscore-api-keys', 'rtscore-admin-api-keys'];

const VARIANTS: Variant[] = [
  { name: 'overlays/cpu', resources: ['overlays/cpu'], gpus: { rtscore: 0 } },
  // The GPU service runs beside the CPU one and mounts its key Secrets.
  { name: 'overlays/gpu', resources: ['overlays/gpu'], gpus: { 'rtscore-gpu': 1 }, externalSecrets: CPU_SECRETS },
  {
    name: 'cpu + ingress-tls + monitoring',
    resources: ['overlays/cpu'],
    components: ['components/ingress-tls', 'components/monitoring'],
    gpus: { rtscore: 0 },
  },
  { name: 'cpu + every component', resources: ['overlays/cpu'], components: ALL_COMPONENTS, gpus: { rtscore: 0 } },
  {
    name: 'cpu + gpu + every component + gpu-routes',
    resources: ['overlays/cpu', 'overlays/gpu'],
    components: ['components/ingress-tls', 'components/gpu-routes', 'components/monitoring', 'components/hpa-custom-metrics', 'components/models-volume'],
    gpus: { rtscore: 0, 'rtscore-gpu': 1 },
  },
  { name: 'overlays/example-production', resources: ['overlays/example-production'], gpus: { rtscore: 0 } },
  { name: 'overlays/example-production-gpu', resources: ['overlays/example-production-gpu'], gpus: { rtscore: 0, 'rtscore-gpu': 1 } },
  {
    name: 'cpu and gpu side by side + monitoring',
    resources: ['overlays/cpu', 'overlays/gpu'],
    components: ['components/monitoring'],
    gpus: { rtscore: 0, 'rtscore-gpu': 1 },
  },
];
const variant = (name: string): Variant => VARIANTS.find((v) => v.name === name)!;
const CLUSTER_SCOPED = new Set(['Namespace']);

describe.skipIf(!kubectl.path)(`Kubernetes manifests${kubectl.path ? '' : ` (skipped: ${kubectl.missing})`}`, () => {
  const rendered = new Map<string, K8sObject[]>();
  const get = (v: Variant): K8sObject[] => {
    let objects = rendered.get(v.name);
    if (!objects) {
      objects = render(kubectl.path!, v.resources, v.components ?? []);
      rendered.set(v.name, objects);
    }
    return objects;
  };

  describe.each(VARIANTS)('$name', (variant) => {
    it('renders, with no duplicate objects, everything in the rtscore namespace', () => {
      const objects = get(variant);
      expect(objects.length).toBeGreaterThan(5);
      const ids = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      expect(new Set(ids).size).toBe(ids.length);
      for (const o of objects) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(CLUSTER_SCOPED.has(o.kind) ? undefined : 'rtscore');
    });

    it('validates against the Kubernetes (and Prometheus Operator) schemas, with no unknown fields', async () => {
      expect(await validateAll(get(variant))).toEqual([]);
    });

    it('meets the project policy', () => {
      expect(projectPolicyViolations(get(variant), { externalSecrets: variant.externalSecrets ?? [] })).toEqual([]);
    });

    it('asks for the GPUs its pods need: exactly one per GPU pod, none elsewhere', () => {
      const ws = workloads(get(variant));
      expect(ws.map((w) => w.where).sort()).toEqual(
        Object.keys(variant.gpus)
          .map((n) => `Deployment/${n}`)
          .sort(),
      );
      for (const w of ws) expect(gpuViolations(w, variant.gpus[w.where.split('/')[1]!]!)).toEqual([]);
    });
  });

  it('cpu overlay: FAQ and image models on CPU behind a LoadBalancer on port 80', () => {
    const objects = get(variant('overlays/cpu'));
    const env = deploymentEnv(objects).get('rtscore')!;
    expect(env.RTSCORE_MODELS!.split(',').sort()).toEqual(['banking77', 'faq', 'resnet152']);
    expect(env.RTSCORE_EXECUTION_PROVIDER).toBe('cpu');
    expect(env.RTSCORE_BUILD_MISSING).toBe('false');
    const [svc] = ofKind<IService>(objects, 'Service');
    expect(svc!.spec!.type).toBe('LoadBalancer');
    expect(svc!.spec!.ports).toEqual([expect.objectContaining({ port: 80, targetPort: 'http' })]);
    const [dep] = ofKind<IDeployment>(objects, 'Deployment');
    const container = dep!.spec!.template.spec!.containers[0]!;
    expect(container.ports).toEqual([expect.objectContaining({ name: 'http', containerPort: 8080 })]);
    expect(container.readinessProbe!.httpGet!.path).toBe('/readyz');
    expect(container.livenessProbe!.httpGet!.path).toBe('/healthz');
    expect(container.image).toMatch(/^registry\.example\.com\/rtscore:\d+\.\d+\.\d+$/);
  });

  it('gpu overlay: the image model only, with CUDA, on tainted GPU nodes', () => {
    const objects = get(variant('overlays/gpu'));
    const env = deploymentEnv(objects).get('rtscore-gpu')!;
    expect(env.RTSCORE_MODELS).toBe('resnet152');
    expect(env.RTSCORE_EXECUTION_PROVIDER).toBe('cuda');
    const [dep] = ofKind<IDeployment>(objects, 'Deployment');
    const pod = dep!.spec!.template.spec!;
    expect(pod.containers[0]!.image).toMatch(/cuda12$/);
    expect(pod.nodeSelector).toMatchObject({ accelerator: 'nvidia' });
    expect(pod.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
  });

  it('ingress-tls: one Ingress and TLS host for every service, HTTP redirected, no public load balancer, closed NetworkPolicies', () => {
    for (const v of [
      'cpu + ingress-tls + monitoring',
      'cpu + gpu + every component + gpu-routes',
      'overlays/example-production',
      'overlays/example-production-gpu',
    ].map(variant)) {
      const objects = get(v);
      const ingresses = ofKind<IIngress & K8sObject>(objects, 'Ingress');
      expect(ingresses, v.name).toHaveLength(1);
      const ing = ingresses[0]!;
      for (const svc of ofKind<IService & K8sObject>(objects, 'Service')) expect(svc.spec!.type, `${v.name}: ${svc.metadata.name}`).toBe('ClusterIP');
      expect(ing.spec!.tls![0]!.secretName).toBeTruthy();
      expect(ing.spec!.rules).toHaveLength(1);
      expect(ing.spec!.tls![0]!.hosts).toEqual(ing.spec!.rules!.map((r) => r.host));
      expect(ing.metadata.annotations).toMatchObject({
        'cert-manager.io/cluster-issuer': expect.any(String),
        'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      });
      // Every service behind it is reached through it (test/deploy/ingress.test.ts checks the paths).
      const backends = new Set(ing.spec!.rules!.flatMap((r) => r.http!.paths.map((p) => p.backend.service!.name)));
      expect([...backends].sort()).toEqual(
        ofKind<K8sObject>(objects, 'Service')
          .map((s) => s.metadata.name)
          .sort(),
      );
      for (const np of ofKind<INetworkPolicy>(objects, 'NetworkPolicy')) {
        const peers = np.spec!.ingress!.flatMap((r) => r.from ?? []);
        expect(peers.map((p) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']).sort()).toEqual(['ingress-nginx', 'monitoring']);
        expect(peers.some((p) => p.ipBlock)).toBe(false);
      }
    }
  });

  it('gpu overlay: no second public load balancer; scales on queue depth and in-flight requests (custom metrics API), never on CPU', () => {
    const objects = get(variant('overlays/gpu'));
    const [svc] = ofKind<IService>(objects, 'Service');
    expect(svc!.spec!.type).toBe('ClusterIP');
    expect(svc!.spec!.externalTrafficPolicy).toBeUndefined();
    const [hpa] = ofKind<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
    const metrics = hpa!.spec!.metrics!;
    expect(metrics.every((m) => m.type === 'Pods')).toBe(true);
    expect(metrics.map((m) => m.pods!.metric.name).sort()).toEqual(['rtscore_in_flight_requests', 'rtscore_queue_depth']);
    // prometheus-adapter serves exactly these names (its rules ship with the component).
    const values = parseYaml(readFileSync(join(K8S_DIR, 'components/hpa-custom-metrics/prometheus-adapter-values.yaml'), 'utf8')) as {
      rules: { custom: { name: { as: string } }[] };
    };
    for (const m of metrics) expect(values.rules.custom.map((r) => r.name.as)).toContain(m.pods!.metric.name);
    // The floor that holds without the custom metrics API, and survives a drain.
    expect(hpa!.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    expect(disruptionViolations(objects)).toEqual([]);
    // The CPU service's autoscaler keeps CPU, plus the gauges with the component.
    const combined = get(variant('cpu + gpu + every component + gpu-routes'));
    const cpuHpa = ofKind<IHorizontalPodAutoscaler & K8sObject>(combined, 'HorizontalPodAutoscaler').find((h) => h.metadata.name === 'rtscore')!;
    expect(cpuHpa.spec!.metrics!.map((m) => m.resource?.name ?? m.pods!.metric.name).sort()).toEqual([
      'cpu',
      'rtscore_in_flight_requests',
      'rtscore_queue_depth',
    ]);
    const gpuHpa = ofKind<IHorizontalPodAutoscaler & K8sObject>(combined, 'HorizontalPodAutoscaler').find((h) => h.metadata.name === 'rtscore-gpu')!;
    expect(gpuHpa.spec!.metrics).toEqual(metrics);
  });

  it('the one-liner works on an empty cluster: the cpu overlay brings its namespace (first) and the API-key Secrets it mounts', async () => {
    const objects = get(variant('overlays/cpu'));
    expect(objects[0]!.kind).toBe('Namespace');
    expect(objects[0]!.metadata.name).toBe('rtscore');
    expect(objects[0]!.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    const secrets = ofKind<ISecret & K8sObject>(objects, 'Secret');
    expect(secrets.map((x) => x.metadata.name).sort()).toEqual([...CPU_SECRETS].sort());
    for (const secret of secrets) {
      const keys = Buffer.from(secret.data!.keys!, 'base64').toString('utf8').split('\n').filter(Boolean);
      expect(keys.length, secret.metadata.name).toBeGreaterThan(0);
    }
    // Secrets come before the Deployment that mounts them; the Namespace before everything.
    const index = (kind: string) => objects.findIndex((o) => o.kind === kind);
    expect(index('Secret')).toBeLessThan(index('Deployment'));
    const env = deploymentEnv(objects).get('rtscore')!;
    expect(env.RTSCORE_API_KEYS_FILE).toBe('/etc/rtscore/api-keys/keys');
    expect(env.RTSCORE_ADMIN_API_KEYS_FILE).toBe('/etc/rtscore/admin-api-keys/keys');
    const [dep] = ofKind<IDeployment>(objects, 'Deployment');
    const mounts = dep!.spec!.template.spec!.containers[0]!.volumeMounts!;
    const volumes = dep!.spec!.template.spec!.volumes!;
    for (const [file, secret] of [
      [env.RTSCORE_API_KEYS_FILE, 'rtscore-api-keys'],
      [env.RTSCORE_ADMIN_API_KEYS_FILE, 'rtscore-admin-api-keys'],
    ] as const) {
      const mount = mounts.find((m) => file.startsWith(`${m.mountPath}/`))!;
      expect(volumes.find((v) => v.name === mount.name)!.secret).toMatchObject({ secretName: secret });
    }
    // The operator Role may rotate exactly these Secrets.
    const role = ofKind<IRole & K8sObject>(objects, 'Role')[0]!;
    expect(role.rules!.find((r) => r.resources?.includes('secrets'))!.resourceNames!.sort()).toEqual([...CPU_SECRETS].sort());
  });

  it('the key files are local only: git-ignored, never in a committed manifest, and the render stops without them', () => {
    const secretsDir = join(K8S_DIR, 'secrets');
    const kustomization = parseYaml(readFileSync(join(secretsDir, 'kustomization.yaml'), 'utf8')) as { secretGenerator: { files: string[] }[] };
    const files = kustomization.secretGenerator.flatMap((g) => g.files.map((f) => f.split('=').at(-1)!));
    expect(files.sort()).toEqual([...KEY_FILES].sort());
    const ignored = readFileSync(join(secretsDir, '.gitignore'), 'utf8').split('\n');
    for (const f of files)
      expect(
        ignored.some((pattern) => pattern === f || (pattern.startsWith('*') && f.endsWith(pattern.slice(1)))),
        f,
      ).toBe(true);
    const yamlFiles = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
      );
    for (const f of yamlFiles(K8S_DIR)) expect(readFileSync(f, 'utf8'), f).not.toMatch(/^kind:\s*Secret\s*$/m);
    // Without the files kustomize fails before anything could be applied.
    const bare = mkdtempSync(join(tmpdir(), 'rtscore-k8s-bare-'));
    try {
      cpSync(k8sRenderRoot(), bare, { recursive: true });
      for (const f of KEY_FILES) rmSync(join(bare, 'secrets', f));
      expect(() => runKustomize(kubectl.path!, join(bare, 'overlays/cpu'))).toThrow(/api-keys\.txt/);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it("sizing: the reference's nodes hold two CPU pods each, and the reference's 35 pods fit the cluster autoscaler's 20 nodes", () => {
    const objects = get(variant('overlays/cpu'));
    const [dep] = ofKind<IDeployment>(objects, 'Deployment');
    const [hpa] = ofKind<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
    const requests = dep!.spec!.template.spec!.containers[0]!.resources!.requests!;
    const fit = podsPerNode(REFERENCE_NODE, { cpu: cpuMillis(String(requests.cpu)), memory: memoryMiB(String(requests.memory)) });
    expect(fit).toBe(2); // deploy/README.md, "Sizing", states this arithmetic
    expect(Math.ceil(hpa!.spec!.maxReplicas / fit)).toBeLessThanOrEqual(REFERENCE_NODE.autoscalerMaxNodes);
    // The limits match ONNX Runtime's threads, so a pod never gets throttled below what it runs.
    const limits = dep!.spec!.template.spec!.containers[0]!.resources!.limits!;
    expect(cpuMillis(String(limits.cpu))).toBe(1000 * Number(deploymentEnv(objects).get('rtscore')!.RTSCORE_ONNX_THREADS));
  });

  it('monitoring: the dashboard ConfigMap carries the Grafana sidecar label and the dashboard JSON', () => {
    const objects = get(variant('cpu + ingress-tls + monitoring'));
    const cm = ofKind<IConfigMap & K8sObject>(objects, 'ConfigMap').find((c) => c.metadata.labels?.grafana_dashboard === '1');
    expect(cm?.metadata.name).toBe('rtscore-grafana-dashboard');
    const file = readFileSync(join(K8S_DIR, 'components/monitoring/dashboards/rtscore.json'), 'utf8');
    expect(JSON.parse(cm!.data!['rtscore.json']!)).toEqual(JSON.parse(file));
    expect(ofKind(objects, 'ServiceMonitor')).toHaveLength(1);
  });

  it('hpa-custom-metrics: the HPA scales on the metrics prometheus-adapter serves, besides CPU', () => {
    const objects = get(variant('cpu + every component'));
    const [hpa] = ofKind<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
    const podMetrics = hpa!.spec!.metrics!.filter((m) => m.type === 'Pods').map((m) => m.pods!.metric.name);
    expect(podMetrics.sort()).toEqual(['rtscore_in_flight_requests', 'rtscore_queue_depth']);
    expect(hpa!.spec!.metrics!.some((m) => m.resource?.name === 'cpu')).toBe(true);
    const values = parseYaml(readFileSync(join(K8S_DIR, 'components/hpa-custom-metrics/prometheus-adapter-values.yaml'), 'utf8')) as {
      rules: { custom: { seriesQuery: string; name: { as: string } }[] };
    };
    const served = values.rules.custom.map((r) => r.name.as);
    for (const metric of podMetrics) expect(served).toContain(metric);
    for (const rule of values.rules.custom) expect(rule.seriesQuery).toContain(rule.name.as);
  });

  it('models-volume: models come read-only from a shared claim', () => {
    const objects = get(variant('cpu + every component'));
    const [dep] = ofKind<IDeployment>(objects, 'Deployment');
    const pod = dep!.spec!.template.spec!;
    expect(pod.volumes).toContainEqual({ name: 'models', persistentVolumeClaim: { claimName: 'rtscore-models', readOnly: true } });
    expect(pod.containers[0]!.volumeMounts).toContainEqual({ name: 'models', mountPath: '/app/models', readOnly: true });
    expect(ofKind(objects, 'PersistentVolumeClaim').map((p) => p.metadata.name)).toEqual(['rtscore-models']);
  });

  it('the namespace enforces the restricted Pod Security Standard', async () => {
    const objects = render(kubectl.path!, ['namespace']);
    expect(await validateAll(objects)).toEqual([]);
    const [ns] = ofKind<INamespace & K8sObject>(objects, 'Namespace');
    expect(ns!.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  });

  it('the one-off fill-models Job validates and meets the same security policy', async () => {
    const objects = parseManifests(readFileSync(join(K8S_DIR, 'components/models-volume/fill-models-job.yaml'), 'utf8'));
    expect(await validateAll(objects)).toEqual([]);
    const [job] = workloads(objects);
    expect(job).toBeDefined();
    expect([...imageViolations(job!), ...resourceViolations(job!), ...securityViolations(job!)]).toEqual([]);
  });

  // The checks must be able to fail: break a compliant render in known ways.
  describe('the checks catch what they are for', () => {
    const broken = (mutate: (objects: K8sObject[], dep: IDeployment) => void): K8sObject[] => {
      const objects = structuredClone(get(variant('overlays/gpu')));
      mutate(objects, ofKind<IDeployment>(objects, 'Deployment')[0]!);
      return objects;
    };

    it('schema: wrong types, missing required fields and unknown (misspelt) fields', async () => {
      const objects = broken((_, dep) => {
        const c = dep.spec!.template.spec!.containers[0]! as unknown as Record<string, unknown>;
        c.readinessProbes = c.readinessProbe; // typo
        (c.ports as { containerPort: unknown }[])[0]!.containerPort = '8080'; // string, not integer
        delete (dep.spec as unknown as Record<string, unknown>).selector; // required
      });
      const dep = objects.find((o) => o.kind === 'Deployment')!;
      const problems = (await validateObject(dep)).join('\n');
      expect(problems).toMatch(/selector/);
      expect(problems).toMatch(/containerPort must be integer/);
      // Type errors stop the generated validator; check the typo on its own too.
      const typoOnly = broken((_, d) => {
        const c = d.spec!.template.spec!.containers[0]! as unknown as Record<string, unknown>;
        c.readinessProbes = c.readinessProbe;
      });
      expect(await validateObject(typoOnly.find((o) => o.kind === 'Deployment')!)).toEqual([
        'Deployment/rtscore-gpu: unknown field /spec/template/spec/containers/0/readinessProbes',
      ]);
      // CRDs too: the ServiceMonitor against the Prometheus Operator's schema.
      const sm = structuredClone(get(variant('cpu + ingress-tls + monitoring')).find((o) => o.kind === 'ServiceMonitor')!);
      (sm.spec as { endpoints: Record<string, unknown>[] }).endpoints[0]!.intervall = '15s';
      expect(await validateObject(sm)).toEqual(['ServiceMonitor/rtscore: unknown field /spec/endpoints/0/intervall']);
      (sm.spec as { endpoints: Record<string, unknown>[] }).endpoints[0]!.scheme = 'gopher';
      expect((await validateObject(sm)).join()).toMatch(/scheme must be equal to one of the allowed values/);
      expect(await validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
        'Widget/w: no schema for example.com/v1 Widget',
      ]);
    });

    it('policy: latest tags, missing limits and probes, root, privilege escalation, writable root, extra GPUs', () => {
      const objects = broken((_, dep) => {
        const pod = dep.spec!.template.spec!;
        const c = pod.containers[0]!;
        c.image = 'registry.example.com/rtscore:latest';
        delete c.resources!.limits!.memory;
        delete c.readinessProbe;
        c.resources!.limits!['nvidia.com/gpu'] = 2;
        c.resources!.requests!['nvidia.com/gpu'] = 2;
        c.securityContext = { runAsUser: 0, readOnlyRootFilesystem: false };
        pod.automountServiceAccountToken = true;
        pod.terminationGracePeriodSeconds = 30;
      });
      const violations = projectPolicyViolations(objects).join('\n');
      for (const expected of [
        ':latest',
        'no memory limit',
        'no readinessProbe',
        'runs as UID 0',
        'allowPrivilegeEscalation is not false',
        'capabilities not dropped',
        'readOnlyRootFilesystem is not true',
        'automountServiceAccountToken is not false',
        'terminationGracePeriodSeconds 30 <',
      ]) {
        expect(violations).toContain(expected);
      }
      expect(gpuViolations(workloads(objects)[0]!, 1)).toEqual(['Deployment/rtscore-gpu: asks for 2 GPUs per pod, expected 1']);
      const untagged = broken((_, dep) => (dep.spec!.template.spec!.containers[0]!.image = 'registry.example.com:5000/rtscore'));
      expect(imageViolations(workloads(untagged)[0]!)).toEqual(['Deployment/rtscore-gpu/rtscore: image registry.example.com:5000/rtscore has no tag']);
    });

    it('consistency: selectors, HPA target, NetworkPolicy peers rewritten by a label transformer, secrets', () => {
      const objects = broken((all, dep) => {
        dep.spec!.template.metadata!.labels = { 'app.kubernetes.io/name': 'other' };
        const hpa = all.find((o) => o.kind === 'HorizontalPodAutoscaler') as unknown as IHorizontalPodAutoscaler;
        hpa.spec!.scaleTargetRef.name = 'missing';
        dep.spec!.template.spec!.volumes!.push({ name: 'extra', secret: { secretName: 'not-rendered' } });
      });
      const violations = consistencyViolations(objects, { externalSecrets: CPU_SECRETS }).join('\n');
      for (const expected of [
        'selector does not match its pod template',
        'Service/rtscore-gpu: selects 0 Deployments',
        'PodDisruptionBudget/rtscore-gpu: does not select exactly one Deployment',
        'scaleTargetRef Deployment/missing',
        'no NetworkPolicy selects its pods',
        'Deployment/rtscore-gpu: Secret not-rendered not in the manifests',
      ]) {
        expect(violations).toContain(expected);
      }
      const peers = broken((all) => {
        const np = all.find((o) => o.kind === 'NetworkPolicy') as unknown as INetworkPolicy;
        np.spec!.ingress![0]!.from![0]!.podSelector!.matchLabels = { ...np.spec!.podSelector.matchLabels };
      });
      expect(consistencyViolations(peers, { externalSecrets: CPU_SECRETS })).toEqual(["NetworkPolicy/rtscore-gpu: a peer selector matches rtscore's own pods"]);
    });

    it("disruption: a drain at the autoscaler's floor must leave a pod serving", () => {
      const oneGpu = broken((all) => {
        const hpa = all.find((o) => o.kind === 'HorizontalPodAutoscaler') as unknown as IHorizontalPodAutoscaler;
        hpa.spec!.minReplicas = 1;
      });
      expect(disruptionViolations(oneGpu)).toEqual(['Deployment/rtscore-gpu: a drain at 1 replica(s) leaves 0 serving (PodDisruptionBudget/rtscore-gpu)']);
      const blocked = broken((all) => {
        const pdb = all.find((o) => o.kind === 'PodDisruptionBudget') as unknown as IPodDisruptionBudget;
        pdb.spec = { ...pdb.spec, maxUnavailable: 0 };
      });
      expect(disruptionViolations(blocked)).toEqual(['Deployment/rtscore-gpu: the PodDisruptionBudget blocks every drain at 2 replica(s)']);
    });
  });
});
