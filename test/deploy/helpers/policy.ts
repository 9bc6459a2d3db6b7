/**
 * rtscore's deployment policy, checked on rendered manifests (no cluster).
 * The schemas say whether an object is well-formed; these checks say whether it
 * is what we want to run: pinned images, sized and probed containers, the
 * "restricted" Pod Security Standard, consistent selectors and references, a
 * drain budget that fits the server's, exactly one GPU per GPU pod.
 *
 * Every check returns a list of violations (empty = compliant) so that a test
 * can show all problems at once, and so that the checks themselves can be tested
 * on deliberately broken input.
 */

import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { IIngress, INetworkPolicy, INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IConfigMap, IContainer, IPodSpec, IService } from 'kubernetes-models/v1';
import type { K8sObject } from './kustomize.js';

type Labels = Record<string, string>;

/** A pod template and who owns it. */
export interface Workload {
  where: string;
  kind: string;
  podSpec: IPodSpec;
  podLabels: Labels;
  /** Long-running workloads must have probes; Jobs need not. */
  longRunning: boolean;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']);

export function workloads(objects: K8sObject[]): Workload[] {
  const out: Workload[] = [];
  for (const obj of objects) {
    if (obj.kind === 'Pod') {
      const spec = obj.spec as IPodSpec;
      out.push({ where: `Pod/${obj.metadata.name}`, kind: 'Pod', podSpec: spec, podLabels: obj.metadata.labels ?? {}, longRunning: true });
    } else if (WORKLOAD_KINDS.has(obj.kind)) {
      const template = (obj as unknown as IDeployment).spec?.template;
      out.push({
        where: `${obj.kind}/${obj.metadata.name}`,
        kind: obj.kind,
        podSpec: template?.spec ?? ({ containers: [] } as IPodSpec),
        podLabels: (template?.metadata?.labels as Labels | undefined) ?? {},
        longRunning: obj.kind !== 'Job',
      });
    }
  }
  return out;
}

function containersOf(spec: IPodSpec): IContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

export function selects(selector: Labels | undefined, labels: Labels): boolean {
  if (!selector || Object.keys(selector).length === 0) return false; // an empty selector is never what we want
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Images carry an explicit tag or digest, never :latest. */
export function imageViolations(w: Workload): string[] {
  const out: string[] = [];
  for (const c of containersOf(w.podSpec)) {
    const image = c.image ?? '';
    if (image.includes('@sha256:')) continue;
    const lastSegment = image.slice(image.lastIndexOf('/') + 1);
    const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : '';
    if (!image) out.push(`${w.where}/${c.name}: no image`);
    else if (!tag) out.push(`${w.where}/${c.name}: image ${image} has no tag`);
    else if (tag === 'latest') out.push(`${w.where}/${c.name}: image ${image} uses :latest`);
  }
  return out;
}

/** CPU and memory requests and limits on every container. */
export function resourceViolations(w: Workload): string[] {
  const out: string[] = [];
  for (const c of containersOf(w.podSpec)) {
    for (const kind of ['requests', 'limits'] as const) {
      for (const resource of ['cpu', 'memory']) {
        if (c.resources?.[kind]?.[resource] === undefined) out.push(`${w.where}/${c.name}: no ${resource} ${kind.slice(0, -1)}`);
      }
    }
  }
  return out;
}

/** Startup, liveness and readiness probes on long-running containers, pointing at a declared port. */
export function probeViolations(w: Workload): string[] {
  if (!w.longRunning) return [];
  const out: string[] = [];
  for (const c of w.podSpec.containers) {
    const ports = new Set<string | number>((c.ports ?? []).flatMap((p) => [p.containerPort, ...(p.name ? [p.name] : [])]));
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
      const p = c[probe];
      if (!p) {
        out.push(`${w.where}/${c.name}: no ${probe}`);
        continue;
      }
      const port = p.httpGet?.port ?? p.tcpSocket?.port ?? p.grpc?.port;
      if (port !== undefined && !ports.has(port)) out.push(`${w.where}/${c.name}: ${probe} uses undeclared port ${port}`);
    }
  }
  return out;
}

/** Volume types the "restricted" Pod Security Standard allows. */
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/**
 * The Pod Security Standard "restricted" (as enforced by Pod Security Admission),
 * plus our own rules: read-only root filesystem, no service account token.
 */
export function securityViolations(w: Workload): string[] {
  const out: string[] = [];
  const pod = w.podSpec;
  const podSc = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) out.push(`${w.where}: uses host namespaces`);
  if (pod.automountServiceAccountToken !== false) out.push(`${w.where}: automountServiceAccountToken is not false`);
  if (podSc.runAsUser === 0) out.push(`${w.where}: pod runs as UID 0`);
  for (const v of pod.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (!type || !RESTRICTED_VOLUME_TYPES.has(type)) out.push(`${w.where}: volume ${v.name} of type ${type} not allowed`);
  }
  for (const c of containersOf(pod)) {
    const sc = c.securityContext ?? {};
    const at = `${w.where}/${c.name}`;
    if (sc.privileged) out.push(`${at}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${at}: allowPrivilegeEscalation is not false`);
    if (!(sc.runAsNonRoot ?? podSc.runAsNonRoot)) out.push(`${at}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) out.push(`${at}: runs as UID 0`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${at}: capabilities not dropped (drop: [ALL])`);
    const added = (sc.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0) out.push(`${at}: adds capabilities ${added.join(', ')}`);
    const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${at}: seccompProfile is not RuntimeDefault`);
    if (sc.readOnlyRootFilesystem !== true) out.push(`${at}: readOnlyRootFilesystem is not true`);
    for (const port of c.ports ?? []) if (port.hostPort) out.push(`${at}: uses hostPort ${port.hostPort}`);
  }
  return out;
}

export const GPU_RESOURCE = 'nvidia.com/gpu';

/** GPUs a pod asks for (sum of its containers' limits; requests must equal limits). */
export function gpuViolations(w: Workload, expected: number): string[] {
  const out: string[] = [];
  let total = 0;
  for (const c of w.podSpec.containers) {
    const limit = c.resources?.limits?.[GPU_RESOURCE];
    const request = c.resources?.requests?.[GPU_RESOURCE];
    if (request !== undefined && String(request) !== String(limit)) out.push(`${w.where}/${c.name}: GPU request ${request} != limit ${limit}`);
    if (limit !== undefined) total += Number(limit);
  }
  if (total !== expected) out.push(`${w.where}: asks for ${total} GPUs per pod, expected ${expected}`);
  if (expected > 0) {
    const tolerated = (w.podSpec.tolerations ?? []).some((t) => t.key === GPU_RESOURCE && (t.operator === 'Exists' || t.value !== undefined));
    if (!tolerated) out.push(`${w.where}: no toleration for the ${GPU_RESOURCE} taint of GPU nodes`);
    if (Object.keys(w.podSpec.nodeSelector ?? {}).filter((k) => !k.startsWith('kubernetes.io/')).length === 0) {
      out.push(`${w.where}: no nodeSelector for GPU nodes`);
    }
  }
  return out;
}

function envOf(objects: K8sObject[], c: IContainer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const name = from.configMapRef?.name;
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name) as IConfigMap | undefined;
    Object.assign(env, cm?.data ?? {});
  }
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

/** The environment (ConfigMap + literal env) the main container of each Deployment gets. */
export function deploymentEnv(objects: K8sObject[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const d of objects.filter((o) => o.kind === 'Deployment') as unknown as (IDeployment & K8sObject)[]) {
    const c = d.spec?.template.spec?.containers[0];
    if (c) out.set(d.metadata.name, envOf(objects, c));
  }
  return out;
}

/**
 * Kubernetes sends SIGKILL terminationGracePeriodSeconds after it starts stopping
 * a pod; the preStop hook runs first, then SIGTERM starts the server's drain
 * (RTSCORE_SHUTDOWN_GRACE_MS). Both must fit, with a margin.
 */
export function drainViolations(objects: K8sObject[], marginSeconds = 2): string[] {
  const out: string[] = [];
  const envs = deploymentEnv(objects);
  for (const d of objects.filter((o) => o.kind === 'Deployment') as unknown as (IDeployment & K8sObject)[]) {
    const spec = d.spec?.template.spec;
    const c = spec?.containers[0];
    if (!spec || !c) continue;
    const grace = spec.terminationGracePeriodSeconds ?? 30;
    const preStop = c.lifecycle?.preStop;
    const preStopSeconds = preStop?.sleep?.seconds ?? 0;
    const env = envs.get(d.metadata.name) ?? {};
    // The server's own delay (readiness false, still serving) comes before its drain.
    const serverDrain = (Number(env.RTSCORE_SHUTDOWN_DELAY_MS ?? 0) + Number(env.RTSCORE_SHUTDOWN_GRACE_MS ?? 25_000)) / 1000;
    if (!preStop) out.push(`Deployment/${d.metadata.name}: no preStop hook (endpoints need time to drop the pod)`);
    if (grace < preStopSeconds + serverDrain + marginSeconds) {
      out.push(
        `Deployment/${d.metadata.name}: terminationGracePeriodSeconds ${grace} < preStop ${preStopSeconds} s + server drain ${serverDrain} s + ${marginSeconds} s`,
      );
    }
  }
  return out;
}

export interface RenderContext {
  /** Secrets the pods mount that another overlay provides (the GPU overlay uses the CPU overlay's keys). */
  externalSecrets?: readonly string[];
}

/** Selectors and references between objects agree; nothing dangles or selects too much. */
export function consistencyViolations(objects: K8sObject[], context: RenderContext = {}): string[] {
  const out: string[] = [];
  const deployments = objects.filter((o) => o.kind === 'Deployment') as unknown as (IDeployment & K8sObject)[];
  const podsOf = (d: IDeployment) => (d.spec?.template.metadata?.labels as Labels | undefined) ?? {};
  const names = (kind: string) => new Set(objects.filter((o) => o.kind === kind).map((o) => o.metadata.name));
  const configMaps = names('ConfigMap');
  const serviceAccounts = objects.filter((o) => o.kind === 'ServiceAccount');

  // Secrets come from secretGenerator and local, git-ignored files (deploy/k8s/secrets);
  // manifests.test.ts checks that no committed manifest holds one.
  const secrets = new Set([...names('Secret'), ...(context.externalSecrets ?? [])]);

  for (const d of deployments) {
    const at = `Deployment/${d.metadata.name}`;
    const spec = d.spec!;
    if (!selects(spec.selector.matchLabels as Labels, podsOf(d))) out.push(`${at}: selector does not match its pod template`);
    const pod = spec.template.spec!;
    const sa = serviceAccounts.find((s) => s.metadata.name === pod.serviceAccountName);
    if (!sa) out.push(`${at}: ServiceAccount ${pod.serviceAccountName} not in the manifests`);
    else if ((sa as { automountServiceAccountToken?: boolean }).automountServiceAccountToken !== false) {
      out.push(`ServiceAccount/${sa.metadata.name}: automountServiceAccountToken is not false`);
    }
    for (const v of pod.volumes ?? []) {
      if (v.secret && !secrets.has(v.secret.secretName ?? '') && !v.secret.optional) out.push(`${at}: Secret ${v.secret.secretName} not in the manifests`);
    }
    for (const c of pod.containers) {
      for (const from of c.envFrom ?? []) {
        if (from.configMapRef && !configMaps.has(from.configMapRef.name ?? '')) out.push(`${at}: ConfigMap ${from.configMapRef.name} not in the manifests`);
      }
    }
    const spread = pod.topologySpreadConstraints ?? [];
    if (!spread.some((t) => t.topologyKey === 'kubernetes.io/hostname')) out.push(`${at}: no topology spread across nodes`);
    for (const t of spread) {
      if (!selects(t.labelSelector?.matchLabels as Labels | undefined, podsOf(d))) out.push(`${at}: topology spread selector does not match its pods`);
    }
  }

  // Each selector picks exactly one Deployment's pods (two services in one namespace must not mix).
  const matching = (selector: Labels | undefined) => deployments.filter((d) => selects(selector, podsOf(d)));
  for (const s of objects.filter((o) => o.kind === 'Service') as unknown as (IService & K8sObject)[]) {
    const at = `Service/${s.metadata.name}`;
    const targets = matching(s.spec?.selector as Labels | undefined);
    if (targets.length !== 1) out.push(`${at}: selects ${targets.length} Deployments, expected 1`);
    if (s.spec?.type !== 'LoadBalancer' && s.spec?.type !== 'NodePort' && s.spec?.externalTrafficPolicy) {
      out.push(`${at}: externalTrafficPolicy is only valid on LoadBalancer/NodePort Services`);
    }
    const containerPorts = new Set(
      targets.flatMap((d) => d.spec!.template.spec!.containers.flatMap((c) => (c.ports ?? []).flatMap((p) => [p.name, p.containerPort]))),
    );
    for (const p of s.spec?.ports ?? []) {
      if (p.targetPort !== undefined && !containerPorts.has(p.targetPort as string | number))
        out.push(`${at}: targetPort ${p.targetPort} is not a container port`);
    }
  }
  for (const p of objects.filter((o) => o.kind === 'PodDisruptionBudget') as unknown as (IPodDisruptionBudget & K8sObject)[]) {
    if (matching(p.spec?.selector?.matchLabels as Labels | undefined).length !== 1)
      out.push(`PodDisruptionBudget/${p.metadata.name}: does not select exactly one Deployment`);
  }
  for (const h of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler') as unknown as (IHorizontalPodAutoscaler & K8sObject)[]) {
    const at = `HorizontalPodAutoscaler/${h.metadata.name}`;
    const ref = h.spec?.scaleTargetRef;
    if (h.apiVersion !== 'autoscaling/v2') out.push(`${at}: not autoscaling/v2`);
    if (ref?.kind !== 'Deployment' || !deployments.some((d) => d.metadata.name === ref.name))
      out.push(`${at}: scaleTargetRef ${ref?.kind}/${ref?.name} is not a Deployment in the manifests`);
    if ((h.spec?.minReplicas ?? 1) > (h.spec?.maxReplicas ?? 0)) out.push(`${at}: minReplicas > maxReplicas`);
    if ((h.spec?.metrics ?? []).length === 0) out.push(`${at}: no metrics`);
  }
  for (const d of deployments) {
    if (d.spec?.replicas !== undefined && objects.some((o) => o.kind === 'HorizontalPodAutoscaler')) {
      out.push(`Deployment/${d.metadata.name}: sets replicas although an HPA owns the count`);
    }
  }

  const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as (INetworkPolicy & K8sObject)[];
  for (const d of deployments) {
    if (!policies.some((p) => selects(p.spec?.podSelector.matchLabels as Labels | undefined, podsOf(d)))) {
      out.push(`Deployment/${d.metadata.name}: no NetworkPolicy selects its pods`);
    }
  }
  for (const p of policies) {
    // A peer that selects our own pods means a label transformer rewrote a peer selector.
    const peers: INetworkPolicyPeer[] = [...(p.spec?.ingress ?? []).flatMap((r) => r.from ?? []), ...(p.spec?.egress ?? []).flatMap((r) => r.to ?? [])];
    for (const peer of peers) {
      if (peer.podSelector && deployments.some((d) => selects(peer.podSelector!.matchLabels as Labels | undefined, podsOf(d)))) {
        out.push(`NetworkPolicy/${p.metadata.name}: a peer selector matches rtscore's own pods`);
      }
    }
  }

  const services = objects.filter((o) => o.kind === 'Service') as unknown as (IService & K8sObject)[];
  for (const ing of objects.filter((o) => o.kind === 'Ingress') as unknown as (IIngress & K8sObject)[]) {
    const at = `Ingress/${ing.metadata.name}`;
    for (const rule of ing.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const backend = path.backend.service;
        const svc = services.find((s) => s.metadata.name === backend?.name);
        if (!svc) out.push(`${at}: backend Service ${backend?.name} not in the manifests`);
        else if (!(svc.spec?.ports ?? []).some((p) => p.name === backend?.port?.name || p.port === backend?.port?.number))
          out.push(`${at}: backend port not on Service ${svc.metadata.name}`);
      }
    }
  }
  for (const sm of objects.filter((o) => o.kind === 'ServiceMonitor') as unknown as (IServiceMonitor & K8sObject)[]) {
    const at = `ServiceMonitor/${sm.metadata.name}`;
    const targets = services.filter((s) => selects(sm.spec.selector.matchLabels as Labels | undefined, s.metadata?.labels ?? {}));
    if (targets.length === 0) out.push(`${at}: selects no Service`);
    for (const ep of sm.spec.endpoints ?? []) {
      if (!targets.every((s) => (s.spec?.ports ?? []).some((p) => p.name === ep.port))) out.push(`${at}: port ${ep.port} not on every selected Service`);
    }
  }
  return out;
}

/**
 * A voluntary disruption (node drain, upgrade) must leave at least one pod
 * serving at the autoscaler's floor: minReplicas minus what the
 * PodDisruptionBudget lets go at once must be 1 or more.
 */
export function disruptionViolations(objects: K8sObject[]): string[] {
  const out: string[] = [];
  const deployments = objects.filter((o) => o.kind === 'Deployment') as unknown as (IDeployment & K8sObject)[];
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget') as unknown as (IPodDisruptionBudget & K8sObject)[];
  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler') as unknown as (IHorizontalPodAutoscaler & K8sObject)[];
  for (const d of deployments) {
    const at = `Deployment/${d.metadata.name}`;
    const pods = (d.spec?.template.metadata?.labels as Labels | undefined) ?? {};
    const pdb = pdbs.find((p) => selects(p.spec?.selector?.matchLabels as Labels | undefined, pods));
    if (!pdb) {
      out.push(`${at}: no PodDisruptionBudget`);
      continue;
    }
    const hpa = hpas.find((h) => h.spec?.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === d.metadata.name);
    const floor = hpa ? (hpa.spec?.minReplicas ?? 1) : (d.spec?.replicas ?? 1);
    const { maxUnavailable, minAvailable } = pdb.spec ?? {};
    if (typeof maxUnavailable === 'string' || typeof minAvailable === 'string') {
      out.push(`PodDisruptionBudget/${pdb.metadata.name}: use a pod count, not a percentage`);
      continue;
    }
    const left = maxUnavailable !== undefined ? floor - maxUnavailable : (minAvailable ?? 0);
    const drainable = maxUnavailable !== undefined ? maxUnavailable > 0 : floor > (minAvailable ?? 0);
    if (left < 1) out.push(`${at}: a drain at ${floor} replica(s) leaves ${left} serving (PodDisruptionBudget/${pdb.metadata.name})`);
    if (!drainable) out.push(`${at}: the PodDisruptionBudget blocks every drain at ${floor} replica(s)`);
  }
  return out;
}

/** Everything that holds for every variant we ship. */
export function projectPolicyViolations(objects: K8sObject[], context: RenderContext = {}): string[] {
  const out: string[] = [];
  const ws = workloads(objects);
  if (ws.length === 0) out.push('no workloads rendered');
  for (const w of ws) out.push(...imageViolations(w), ...resourceViolations(w), ...probeViolations(w), ...securityViolations(w));
  out.push(...drainViolations(objects), ...consistencyViolations(objects, context), ...disruptionViolations(objects));
  return out;
}
