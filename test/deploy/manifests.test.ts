/**
 * The Kubernetes manifests, checked without a cluster: every variant we ship
 * renders with `kubectl kustomize`, every object validates against the official
 * Kubernetes OpenAPI schemas (and the ServiceMonitor against the Prometheus
 * Operator CRD), and the project policy holds (helpers/policy.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { IConfigMap, INamespace, IService } from 'kubernetes-models/v1';
import type { IIngress, INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { K8S_DIR, type K8sObject, ofKind, parseManifests, render } from './helpers/kustomize.js';
import {
  consistencyViolations,
  deploymentEnv,
  gpuViolations,
  imageViolations,
  projectPolicyViolations,
  resourceViolations,
  securityViolations,
  workloads,
} from './helpers/policy.js';
import { validateAll, validateObject } from './helpers/schema.js';
import { kubectlTool } from './helpers/tools.js';

const kubectl = kubectlTool();
if (!kubectl.path) console.warn(`[test/deploy] skipping manifest rendering: ${kubectl.missing}`);

interface Variant {
  name: string;
  resources: string[];
  components?: string[];
  /** GPUs per pod, by Deployment name. */
  gpus: Record<string, number>;
}

const ALL_COMPONENTS = ['components/ingress-tls', 'components/monitoring', 'components/hpa-custom-metrics', 'components/models-volume'];

const VARIANTS: Variant[] = [
  { name: 'overlays/cpu', resources: ['overlays/cpu'], gpus: { rtscore: 0 } },
  { name: 'overlays/gpu', resources: ['overlays/gpu'], gpus: { 'rtscore-gpu': 1 } },
  { name: 'cpu + ingress-tls + monitoring', resources: ['overlays/cpu'], components: ['components/ingress-tls', 'components/monitoring'], gpus: { rtscore: 0 } },
  { name: 'cpu + every component', resources: ['overlays/cpu'], components: ALL_COMPONENTS, gpus: { rtscore: 0 } },
  { name: 'gpu + every component', resources: ['overlays/gpu'], components: ALL_COMPONENTS, gpus: { 'rtscore-gpu': 1 } },
  { name: 'overlays/example-production', resources: ['overlays/example-production'], gpus: { rtscore: 0 } },
  { name: 'cpu and gpu side by side + monitoring', resources: ['overlays/cpu', 'overlays/gpu'], components: ['components/monitoring'], gpus: { rtscore: 0, 'rtscore-gpu': 1 } },
];

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
    it('renders, with no duplicate objects', () => {
      const objects = get(variant);
      expect(objects.length).toBeGreaterThan(5);
      const ids = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      expect(new Set(ids).size).toBe(ids.length);
      for (const o of objects) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('rtscore');
    });

    it('validates against the Kubernetes (and Prometheus Operator) schemas, with no unknown fields', async () => {
      expect(await validateAll(get(variant))).toEqual([]);
    });

    it('meets the project policy', () => {
      expect(projectPolicyViolations(get(variant))).toEqual([]);
    });

    it('asks for the GPUs its pods need: exactly one per GPU pod, none elsewhere', () => {
      const ws = workloads(get(variant));
      expect(ws.map((w) => w.where).sort()).toEqual(Object.keys(variant.gpus).map((n) => `Deployment/${n}`).sort());
      for (const w of ws) expect(gpuViolations(w, variant.gpus[w.where.split('/')[1]!]!)).toEqual([]);
    });
  });

  it('cpu overlay: FAQ and image models on CPU behind a LoadBalancer on port 80', () => {
    const objects = get(VARIANTS[0]!);
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
    const objects = get(VARIANTS[1]!);
    const env = deploymentEnv(objects).get('rtscore-gpu')!;
    expect(env.RTSCORE_MODELS).toBe('resnet152');
    expect(env.RTSCORE_EXECUTION_PROVIDER).toBe('cuda');
    const [dep] = ofKind<IDeployment>(objects, 'Deployment');
    const pod = dep!.spec!.template.spec!;
    expect(pod.containers[0]!.image).toMatch(/cuda12$/);
    expect(pod.nodeSelector).toMatchObject({ accelerator: 'nvidia' });
    expect(pod.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
  });

  it('ingress-tls: TLS at the ingress, HTTP redirected, only the API published, ClusterIP, closed NetworkPolicy', () => {
    for (const variant of [VARIANTS[2]!, VARIANTS[4]!, VARIANTS[5]!]) {
      const objects = get(variant);
      const [ing] = ofKind<IIngress>(objects, 'Ingress');
      const svc = ofKind<IService & K8sObject>(objects, 'Service')[0]!;
      expect(svc.spec!.type).toBe('ClusterIP');
      expect(ing!.spec!.tls![0]!.secretName).toBeTruthy();
      expect(ing!.spec!.tls![0]!.hosts).toEqual(ing!.spec!.rules!.map((r) => r.host));
      expect(ing!.metadata!.annotations).toMatchObject({
        'cert-manager.io/cluster-issuer': expect.any(String),
        'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      });
      const paths = ing!.spec!.rules!.flatMap((r) => r.http!.paths.map((p) => p.path));
      expect(paths.sort()).toEqual(['/score', '/v1', '/v2']);
      for (const p of ing!.spec!.rules!.flatMap((r) => r.http!.paths)) expect(p.backend.service!.name).toBe(svc.metadata.name);
      const [np] = ofKind<INetworkPolicy>(objects, 'NetworkPolicy');
      const peers = np!.spec!.ingress!.flatMap((r) => r.from ?? []);
      expect(peers.map((p) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']).sort()).toEqual(['ingress-nginx', 'monitoring']);
      expect(peers.some((p) => p.ipBlock)).toBe(false);
    }
  });

  it('monitoring: the dashboard ConfigMap carries the Grafana sidecar label and the dashboard JSON', () => {
    const objects = get(VARIANTS[2]!);
    const cm = ofKind<IConfigMap & K8sObject>(objects, 'ConfigMap').find((c) => c.metadata.labels?.grafana_dashboard === '1');
    expect(cm?.metadata.name).toBe('rtscore-grafana-dashboard');
    const file = readFileSync(join(K8S_DIR, 'components/monitoring/dashboards/rtscore.json'), 'utf8');
    expect(JSON.parse(cm!.data!['rtscore.json']!)).toEqual(JSON.parse(file));
    expect(ofKind(objects, 'ServiceMonitor')).toHaveLength(1);
  });

  it('hpa-custom-metrics: the HPA scales on the metrics prometheus-adapter serves, besides CPU', () => {
    const objects = get(VARIANTS[3]!);
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
    const objects = get(VARIANTS[3]!);
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
      const objects = structuredClone(get(VARIANTS[1]!));
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
      const sm = structuredClone(get(VARIANTS[2]!).find((o) => o.kind === 'ServiceMonitor')!);
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
        all.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'rtscore-api-keys', namespace: 'rtscore' } });
      });
      const violations = consistencyViolations(objects).join('\n');
      for (const expected of [
        'selector does not match its pod template',
        'Service/rtscore-gpu: selects 0 Deployments',
        'PodDisruptionBudget/rtscore-gpu: does not select exactly one Deployment',
        'scaleTargetRef Deployment/missing',
        'no NetworkPolicy selects its pods',
        'Secret/rtscore-api-keys: secrets must not be in the manifests',
      ]) {
        expect(violations).toContain(expected);
      }
      const peers = broken((all) => {
        const np = all.find((o) => o.kind === 'NetworkPolicy') as unknown as INetworkPolicy;
        np.spec!.ingress![0]!.from![0]!.podSelector!.matchLabels = { ...np.spec!.podSelector.matchLabels };
      });
      expect(consistencyViolations(peers)).toEqual(['NetworkPolicy/rtscore-gpu: a peer selector matches rtscore\'s own pods']);
    });
  });
});
