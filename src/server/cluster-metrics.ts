/**
 * Metrics across `--workers N`. Each worker process has its own prom-client registry, and a
 * scrape reaches whichever worker the kernel hands the connection to, so on its own
 * `/metrics` would show a random 1/N of the traffic. Instead the answering worker asks the
 * primary, which gathers every worker's registry (prom-client's AggregatorRegistry: counters
 * and histograms summed, gauges by their `aggregator`) and sends one exposition back.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'rtscore:metrics-request';
const REPLY = 'rtscore:metrics-reply';
/** prom-client itself gives up on a silent worker after 5 s; wait a little longer for its answer. */
const TIMEOUT_MS = 6000;

interface Request {
  type: typeof REQUEST;
  id: number;
}
interface Reply {
  type: typeof REPLY;
  id: number;
  text?: string;
  error?: string;
}

const isRequest = (m: unknown): m is Request => typeof m === 'object' && m !== null && (m as Request).type === REQUEST;
const isReply = (m: unknown): m is Reply => typeof m === 'object' && m !== null && (m as Reply).type === REPLY;

/** In the primary, before forking: answer the workers' requests with every worker's metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isRequest(message)) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: REPLY, id: message.id, text } satisfies Reply),
      (err: Error) => worker.send({ type: REPLY, id: message.id, error: err.message } satisfies Reply),
    );
  });
}

/**
 * In a worker: offer `registry` to the primary's collection, and return a function that gets
 * the cluster-wide exposition from the primary (rejects on error or timeout).
 */
export function clusterMetricsSource(registry: Registry): () => Promise<string> {
  new AggregatorRegistry(); // installs prom-client's worker-side answer to the primary (idempotent)
  AggregatorRegistry.setRegistries([registry]);
  const pending = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  let next = 0;
  process.on('message', (message: unknown) => {
    if (!isReply(message)) return;
    const p = pending.get(message.id);
    if (!p) return;
    pending.delete(message.id);
    clearTimeout(p.timer);
    if (message.text !== undefined) p.resolve(message.text);
    else p.reject(new Error(message.error ?? 'no metrics from the primary'));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      if (!process.send) {
        reject(new Error('not a cluster worker'));
        return;
      }
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the primary did not answer with metrics in time'));
      }, TIMEOUT_MS);
      timer.unref();
      pending.set(id, { resolve, reject, timer });
      process.send({ type: REQUEST, id } satisfies Request);
    });
}
