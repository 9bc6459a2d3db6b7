/**
 * The readiness gate: what Kubernetes does with a readinessProbe, in miniature.
 * The kubelet probes each pod's /readyz; the endpoints controller lists only
 * ready pods; kube-proxy or the ingress controller sends traffic to that list.
 * Here: poll each replica's /readyz, and whenever the set of ready replicas
 * changes, give nginx the new upstream list. A replica that listens but is not
 * ready (loading its models, or draining after SIGTERM) is not in the list, so
 * it receives no traffic from the balancer.
 */
import type { NginxBalancer } from './nginx.js';
import { type Replica, sleep, statusOf } from './replicas.js';

export interface GateChange {
  /** When the probe round that saw the change began: every probe of it came later. */
  decidedAt: number;
  /** When nginx had the new upstream list. */
  appliedAt: number;
  ready: string[];
}

export class ReadinessGate {
  /** Every change of the ready set, in order, with the time nginx had it. */
  readonly changes: GateChange[] = [];
  private readonly replicas: Replica[] = [];
  private ready = new Set<string>();
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly balancer: NginxBalancer,
    private readonly intervalMs = 100,
  ) {}

  add(replica: Replica): void {
    this.replicas.push(replica);
  }

  isReady(id: string): boolean {
    return this.ready.has(id);
  }

  /** The change that first included `id` (undefined: never). */
  admission(id: string): GateChange | undefined {
    return this.changes.find((c) => c.ready.includes(id));
  }

  /** The change that dropped `id` after it had been included (undefined: not dropped). */
  removal(id: string): GateChange | undefined {
    const first = this.changes.findIndex((c) => c.ready.includes(id));
    return first < 0 ? undefined : this.changes.slice(first).find((c) => !c.ready.includes(id));
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.tick();
        await sleep(this.intervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** One probe round; reloads the balancer when the ready set changed. */
  async tick(): Promise<void> {
    const decidedAt = Date.now();
    const statuses = await Promise.all(this.replicas.map(async (r) => ({ r, ok: r.running && (await statusOf(r.origin, '/readyz', 500)) === 200 })));
    const next = new Set(statuses.filter((s) => s.ok).map((s) => s.r.id));
    const same = next.size === this.ready.size && [...next].every((id) => this.ready.has(id));
    if (same) return;
    const servers = this.replicas.filter((r) => next.has(r.id)).map((r) => `127.0.0.1:${r.port}`);
    await this.balancer.setUpstreams(servers);
    this.ready = next;
    this.changes.push({ decidedAt, appliedAt: Date.now(), ready: [...next].sort() });
  }
}
