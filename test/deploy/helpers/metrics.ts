/**
 * The Prometheus metrics rtscore exposes on GET /metrics (the server's metrics
 * contract) and what the Grafana dashboard and the autoscaler may query. The
 * process_* and nodejs_* families are prom-client's default metrics.
 */
export type MetricType = 'counter' | 'gauge' | 'histogram';

export const RTSCORE_METRICS: Record<string, MetricType> = {
  rtscore_http_requests_total: 'counter',
  rtscore_http_request_duration_seconds: 'histogram',
  rtscore_inference_duration_seconds: 'histogram',
  rtscore_queue_wait_seconds: 'histogram',
  rtscore_preprocess_duration_seconds: 'histogram',
  rtscore_batch_size: 'histogram',
  rtscore_queue_depth: 'gauge',
  rtscore_in_flight_requests: 'gauge',
  rtscore_model_load_failures_total: 'counter',
};

/** prom-client default metrics the dashboard uses. */
export const PROCESS_METRICS: Record<string, MetricType> = {
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  nodejs_heap_size_used_bytes: 'gauge',
  nodejs_eventloop_lag_p99_seconds: 'gauge',
};

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/**
 * The family a series name belongs to, or undefined if it is not one of ours.
 * A histogram is only queryable through its _bucket/_sum/_count series.
 */
export function familyOf(series: string, catalogue: Record<string, MetricType>): string | undefined {
  if (catalogue[series] && catalogue[series] !== 'histogram') return series;
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (series.endsWith(suffix)) {
      const base = series.slice(0, -suffix.length);
      if (catalogue[base] === 'histogram') return base;
    }
  }
  return undefined;
}

/** Series names a PromQL expression mentions (identifiers of our metric namespaces). */
export function seriesIn(expr: string): string[] {
  return [...new Set(expr.match(/\b(?:rtscore|process|nodejs)_[a-z0-9_]+\b/g) ?? [])];
}
