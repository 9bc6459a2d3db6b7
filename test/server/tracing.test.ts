import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaqRepo } from '../helpers/faq-models.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeVisionRepo } from '../helpers/vision-models.js';

/**
 * OpenTelemetry tracing end to end: the real server exports over OTLP/HTTP to
 * a tiny in-process OTLP receiver (an HTTP server that keeps what it is sent);
 * spans continue the caller's W3C traceparent and hold the request's steps.
 */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

let receiver: Server;
let endpoint: string;
const exports: { path: string; contentType: string; body: any }[] = [];
let dir: string;
let server: TestServer;

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      exports.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
  dir = await mkdtemp(join(tmpdir(), 'rtscore-tracing-'));
  await makeFaqRepo(dir, { name: 'faq' });
  await makeVisionRepo(dir, { name: 'resnet152', maxBatchSize: 1, maxQueueDelayMs: 0 });
  server = await startTestServer(dir, { otlpTracesEndpoint: endpoint });
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const spans = (): OtlpSpan[] => exports.flatMap((e) => e.body.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans as OtlpSpan[])));
const attribute = (span: OtlpSpan, key: string) => span.attributes.find((a) => a.key === key)?.value;
const ns = (v: string) => BigInt(v);

describe('tracing (OTLP/HTTP)', () => {
  it('exports a span per request, continuing the traceparent, with the phases as children', async () => {
    const jpeg = await readFile(join(import.meta.dirname, '..', 'fixtures', 'images', 'dog.jpg'));
    const image = await fetch(`${server.url}/v1/images/classify`, {
      method: 'POST',
      body: jpeg,
      headers: { 'content-type': 'image/jpeg', traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
    });
    expect(image.status).toBe(200);
    const v2 = await fetch(`${server.url}/v2/models/faq/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'text', shape: [1], datatype: 'BYTES', data: ['my card has not arrived'] }] }),
    });
    expect(v2.status).toBe(200);

    await server.close(); // shutdown exports what is pending
    expect(exports.length).toBeGreaterThan(0);
    expect(exports[0]!.path).toBe('/v1/traces');
    expect(exports[0]!.contentType).toMatch(/application\/json/);
    const resource = exports[0]!.body.resourceSpans[0].resource.attributes as { key: string; value: { stringValue?: string } }[];
    expect(resource.find((a) => a.key === 'service.name')?.value.stringValue).toBe('rtscore');

    const all = spans();
    const request = all.find((s) => s.name === 'POST /v1/images/classify')!;
    expect(request).toBeDefined();
    expect(request.traceId).toBe(TRACE_ID);
    expect(request.parentSpanId).toBe(PARENT_ID);
    expect(attribute(request, 'http.response.status_code')).toEqual({ intValue: 200 });
    expect(attribute(request, 'rtscore.model')).toEqual({ stringValue: 'resnet152' });
    const children = all.filter((s) => s.parentSpanId === request.spanId);
    expect([...new Set(children.map((s) => s.name))].sort()).toEqual(['decode', 'inference', 'preprocess', 'queue']);
    for (const c of children) {
      expect(c.traceId).toBe(TRACE_ID);
      expect(ns(c.startTimeUnixNano)).toBeGreaterThanOrEqual(ns(request.startTimeUnixNano));
      expect(ns(c.endTimeUnixNano)).toBeLessThanOrEqual(ns(request.endTimeUnixNano));
      expect(ns(c.endTimeUnixNano)).toBeGreaterThanOrEqual(ns(c.startTimeUnixNano));
    }
    const first = (name: string) => children.filter((c) => c.name === name).sort((a, b) => Number(ns(a.startTimeUnixNano) - ns(b.startTimeUnixNano)))[0]!;
    const last = (name: string) => children.filter((c) => c.name === name).sort((a, b) => Number(ns(b.endTimeUnixNano) - ns(a.endTimeUnixNano)))[0]!;
    // In order: decoding, preprocessing, the queue, inference.
    expect(ns(last('decode').endTimeUnixNano)).toBeLessThanOrEqual(ns(first('preprocess').startTimeUnixNano));
    expect(ns(last('preprocess').endTimeUnixNano)).toBeLessThanOrEqual(ns(first('queue').startTimeUnixNano));
    expect(ns(last('queue').endTimeUnixNano)).toBeLessThanOrEqual(ns(first('inference').startTimeUnixNano));

    // Without a traceparent: a new trace; an OIP request decodes its body, then infers.
    const infer = all.find((s) => s.name === 'POST /v2/models/:name/infer')!;
    expect(infer.traceId).not.toBe(TRACE_ID);
    expect(infer.parentSpanId ?? '').toBe('');
    expect([...new Set(all.filter((s) => s.parentSpanId === infer.spanId).map((s) => s.name))].sort()).toEqual(['decode', 'inference', 'preprocess']);
  });
});
