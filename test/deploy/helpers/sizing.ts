/**
 * Will the pods fit the nodes? The reference ran on four-core nodes; on AKS that
 * is Standard_D4s_v5 (4 vCPU, 16 GiB). What a node offers pods is its
 * allocatable capacity (AKS keeps back CPU and memory for the kubelet and the
 * OS) minus what the DaemonSets on every node request (kube-proxy, the CNI,
 * the CSI drivers, the log and metrics agents). deploy/README.md, "Sizing",
 * states the same numbers.
 */
export interface NodeSize {
  name: string;
  allocatableCpuMillis: number;
  allocatableMemoryMiB: number;
  daemonSetCpuMillis: number;
  daemonSetMemoryMiB: number;
  /** The cluster autoscaler's --max-count in deploy/README.md. */
  autoscalerMaxNodes: number;
}

export const REFERENCE_NODE: NodeSize = {
  name: 'Standard_D4s_v5',
  allocatableCpuMillis: 3860,
  allocatableMemoryMiB: 12_000,
  daemonSetCpuMillis: 500,
  daemonSetMemoryMiB: 1024,
  autoscalerMaxNodes: 20,
};

/** Kubernetes CPU quantity ("1500m", "2", "0.5") in millicores. */
export function cpuMillis(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Math.round(Number(quantity) * 1000);
}

/** Kubernetes memory quantity ("1536Mi", "3Gi") in MiB. */
export function memoryMiB(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)?$/.exec(quantity);
  if (!m) throw new Error(`unsupported memory quantity ${quantity}`);
  const scale = { Ki: 1 / 1024, Mi: 1, Gi: 1024 }[m[2] as 'Ki' | 'Mi' | 'Gi'] ?? 1 / (1024 * 1024);
  return Number(m[1]) * scale;
}

/** Pods of one size that the scheduler can place on one node (by requests). */
export function podsPerNode(node: NodeSize, request: { cpu: number; memory: number }): number {
  const cpu = Math.floor((node.allocatableCpuMillis - node.daemonSetCpuMillis) / request.cpu);
  const memory = Math.floor((node.allocatableMemoryMiB - node.daemonSetMemoryMiB) / request.memory);
  return Math.min(cpu, memory);
}
