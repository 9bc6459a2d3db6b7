import { type Context, context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { TimedStep } from '../core/timings.js';

/**
 * OpenTelemetry tracing (off unless `otlpTracesEndpoint` is set): a server
 * span per request, a child of the caller's W3C `traceparent` when it sends
 * one, with a child span per step the request's timings recorded (decode,
 * preprocess, queue, inference), exported in batches over OTLP/HTTP. The
 * provider is this server's own, not the process-global one, so embedding
 * rtscore does not take over the host's tracing.
 */
export interface TracingOptions {
  /** OTLP/HTTP traces URL, e.g. http://otel-collector:4318/v1/traces. */
  endpoint: string;
  serviceName: string;
  serviceVersion: string;
  instanceId: string;
}

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => {
    const v = carrier[key];
    return typeof v === 'string' || Array.isArray(v) ? (v as string | string[]) : undefined;
  },
};

/** performance.now() ms → epoch ms, as spans take it. */
const epochMs = (ms: number): number => performance.timeOrigin + ms;

export class Tracing {
  private readonly provider: TracerProvider;
  private readonly tracer: Tracer;

  constructor(options: TracingOptions) {
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({
        'service.name': options.serviceName,
        'service.version': options.serviceVersion,
        'service.instance.id': options.instanceId,
      }),
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: options.endpoint }) })],
    });
    this.tracer = this.provider.getTracer('rtscore', options.serviceVersion);
  }

  /** The server span of a request, continuing the caller's trace when its headers carry one. */
  startRequest(name: string, headers: Record<string, unknown>, attributes: Record<string, string | number>, startMs: number): Span {
    const parent: Context = propagator.extract(context.active(), headers, headerGetter);
    return this.tracer.startSpan(name, { kind: SpanKind.SERVER, attributes, startTime: epochMs(startMs) }, parent);
  }

  /** End a request's span with its status and the phases the models reported, as children. */
  endRequest(span: Span, statusCode: number, steps: readonly TimedStep[], error?: Error): void {
    const parent = trace.setSpan(context.active(), span);
    for (const s of steps) {
      this.tracer.startSpan(s.phase, { startTime: epochMs(s.startMs), attributes: { 'rtscore.phase': s.phase } }, parent).end(epochMs(s.endMs));
    }
    span.setAttribute('http.response.status_code', statusCode);
    if (statusCode >= 500 || error) {
      span.setStatus({ code: SpanStatusCode.ERROR, ...(error ? { message: error.message } : {}) });
      if (error) span.recordException(error);
    }
    // The same clock as the steps' times (the SDK's own anchors on Date.now() and may drift by µs).
    span.end(epochMs(performance.now()));
  }

  /** Export what is pending and stop (server shutdown). */
  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}
