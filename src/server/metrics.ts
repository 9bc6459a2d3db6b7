import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ModelObserver } from '../core/observer.js';
import type { RegistryEvents } from '../core/registry.js';

/**
 * Prometheus metrics (prom-client). The HTTP layer records requests; models
 * report batches, queue waits and preprocessing through the core's
 * ModelObserver interface, which this class implements.
 */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics implements ModelObserver {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'rtscore_http_requests_total',
    help: 'HTTP requests answered',
    labelNames: ['route', 'method', 'status', 'model'],
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'rtscore_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['route', 'method', 'status', 'model'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({ name: 'rtscore_in_flight_requests', help: 'HTTP requests being handled', registers: [this.registry] });
  readonly inference = new Histogram({
    name: 'rtscore_inference_duration_seconds',
    help: 'Backend run time of one batch',
    labelNames: ['model', 'version'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly queueWaitHist = new Histogram({
    name: 'rtscore_queue_wait_seconds',
    help: 'Time a request waited in a batching queue',
    labelNames: ['model', 'version'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly preprocessHist = new Histogram({
    name: 'rtscore_preprocess_duration_seconds',
    help: 'Input preprocessing time per item (e.g. image decoding)',
    labelNames: ['model', 'version'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'rtscore_batch_size',
    help: 'Requests per backend run',
    labelNames: ['model', 'version'],
    buckets: [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 128],
    registers: [this.registry],
  });
  readonly queueDepthGauge = new Gauge({
    name: 'rtscore_queue_depth',
    help: 'Requests waiting in a model queue',
    labelNames: ['model', 'version'],
    registers: [this.registry],
  });
  readonly cancelledCounter = new Counter({
    name: 'rtscore_cancelled_requests_total',
    help: 'Requests dropped before inference because the client went away',
    labelNames: ['model', 'version'],
    registers: [this.registry],
  });
  readonly modelLoad = new Histogram({
    name: 'rtscore_model_load_duration_seconds',
    help: 'Model version load time, warm-up included',
    labelNames: ['model', 'version'],
    buckets: [0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly modelLoadFailures = new Counter({
    name: 'rtscore_model_load_failures_total',
    help: 'Model loads that failed',
    labelNames: ['model'],
    registers: [this.registry],
  });
  readonly modelReady = new Gauge({
    name: 'rtscore_model_ready',
    help: '1 when the model has a served version, 0 after it is unloaded',
    labelNames: ['model'],
    aggregator: 'min',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Label children of the HTTP metrics by route, method, status and model (few distinct). */
  private readonly httpChildren = new Map<string, { count: { inc(): void }; duration: { observe(v: number): void } }>();

  /**
   * One answered HTTP request. The labelled children are looked up once per distinct
   * label set and kept: prom-client's `labels(…)` hashes its arguments on every call.
   */
  httpRequest(route: string, method: string, status: string, model: string, seconds: number): void {
    const key = `${route}\0${method}\0${status}\0${model}`;
    let c = this.httpChildren.get(key);
    if (c === undefined) {
      c = { count: this.httpRequests.labels(route, method, status, model), duration: this.httpDuration.labels(route, method, status, model) };
      this.httpChildren.set(key, c);
    }
    c.count.inc();
    c.duration.observe(seconds);
  }

  batch(model: string, version: string, size: number, seconds: number): void {
    this.batchSize.labels(model, version).observe(size);
    this.inference.labels(model, version).observe(seconds);
  }

  queueWait(model: string, version: string, seconds: number): void {
    this.queueWaitHist.labels(model, version).observe(seconds);
  }

  preprocess(model: string, version: string, seconds: number): void {
    this.preprocessHist.labels(model, version).observe(seconds);
  }

  queueDepth(model: string, version: string, depth: number): void {
    this.queueDepthGauge.labels(model, version).set(depth);
  }

  cancelled(model: string, version: string): void {
    this.cancelledCounter.labels(model, version).inc();
  }

  private source: (() => Promise<string>) | null = null;

  /**
   * Serve the exposition from `source` (the cluster-wide metrics under `--workers`); this
   * process's own metrics remain the answer when it fails.
   */
  aggregateWith(source: () => Promise<string>): void {
    this.source = source;
  }

  /** The Prometheus text exposition that `/metrics` serves. */
  async exposition(): Promise<string> {
    if (this.source) {
      try {
        return await this.source();
      } catch {
        // Fall through: a partial view beats a failed scrape.
      }
    }
    return this.registry.metrics();
  }

  /** Registry events → load metrics. */
  registryEvents(): RegistryEvents {
    return {
      loaded: (model, version, seconds) => {
        this.modelLoad.labels(model, version).observe(seconds);
        this.modelReady.labels(model).set(1);
      },
      loadFailed: (model) => {
        this.modelLoadFailures.labels(model).inc();
      },
      unloaded: (model) => {
        this.modelReady.labels(model).set(0);
      },
    };
  }
}
