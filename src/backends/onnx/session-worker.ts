import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { TensorSpec } from '../../core/tensor.js';
import { datatypeOfOrtType, ortTypeOfDatatype } from './datatypes.js';
import { type FromWorker, type ToWorker, transferList, type WireTensor, type WorkerInit } from './messages.js';
import type { ExecutionProvider, WorkerSessionOptions } from './options.js';

/**
 * One ONNX Runtime session in its own thread: onnxruntime-node blocks the
 * thread that calls it while it loads a model and for the whole of each run,
 * so that thread must not be the one serving HTTP.
 */

const port = parentPort;
if (port === null) throw new Error('session-worker must run as a worker thread');

const { modelPath, modelBytes, options } = workerData as WorkerInit;
// onnxruntime-node 1.30's native binding cannot read a Float16Array, which
// Node 24 has: onnxruntime-common would wrap float16 data in one (runs then fail
// with "not enough space: expected 8, got 0"). Without the global it keeps
// float16 as raw half bits in a Uint16Array, as on Node 20. This thread runs
// ONNX Runtime and nothing else; onnxruntime-common checks lazily, at the first tensor.
delete (globalThis as { Float16Array?: unknown }).Float16Array;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function create(provider: ExecutionProvider, o: WorkerSessionOptions): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    intraOpNumThreads: o.intraOpNumThreads,
    interOpNumThreads: o.interOpNumThreads,
    graphOptimizationLevel: o.graphOptimizationLevel,
    executionMode: 'sequential',
    // ONNX Runtime's own stderr lines: errors only (its warnings, e.g. nodes left on CPU under CUDA, are noise here).
    // Failing to load the CUDA provider is printed by its global logger regardless.
    logSeverityLevel: 3,
  };
  return modelBytes === undefined ? ort.InferenceSession.create(modelPath, sessionOptions) : ort.InferenceSession.create(modelBytes, sessionOptions);
}

async function open(): Promise<{ session: ort.InferenceSession; provider: ExecutionProvider; fallbackReason?: string }> {
  if (options.executionProvider !== 'auto') {
    return { session: await create(options.executionProvider, options), provider: options.executionProvider };
  }
  try {
    return { session: await create('cuda', options), provider: 'cuda' };
  } catch (err) {
    return { session: await create('cpu', options), provider: 'cpu', fallbackReason: message(err) };
  }
}

/** Model metadata as OIP tensor specs; symbolic or unknown dims become -1. */
function specsOf(metadata: readonly ort.InferenceSession.ValueMetadata[], role: 'input' | 'output'): TensorSpec[] {
  const specs: TensorSpec[] = [];
  for (const m of metadata) {
    if (!m.isTensor) {
      // Sequences and maps (e.g. scikit-learn ZipMap outputs) have no tensor form in rtscore.
      if (role === 'input') throw new Error(`input "${m.name}" is not a tensor; only tensor inputs are supported`);
      continue;
    }
    const datatype = datatypeOfOrtType(m.type);
    if (datatype === undefined) throw new Error(`${role} "${m.name}" has type ${m.type}, which rtscore does not support`);
    specs.push({ name: m.name, datatype, shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) });
  }
  return specs;
}

function toOrt(t: WireTensor): ort.Tensor {
  const type = ortTypeOfDatatype(t.datatype);
  if (type === undefined) throw new Error(`datatype ${t.datatype} is not supported by ONNX Runtime`);
  if (type === 'string') {
    return new ort.Tensor(
      'string',
      (t.data as Uint8Array[]).map((b) => decoder.decode(b)),
      t.shape,
    );
  }
  return new ort.Tensor(type, t.data as never, t.shape);
}

function fromOrt(name: string, value: ort.Tensor): WireTensor {
  const datatype = datatypeOfOrtType(value.type);
  if (datatype === undefined) throw new Error(`output "${name}" has type ${value.type}, which rtscore does not support`);
  const data = value.type === 'string' ? (value.data as string[]).map((s) => encoder.encode(s)) : (value.data as WireTensor['data']);
  return { name, datatype, shape: [...value.dims], data };
}

async function main(): Promise<void> {
  const started = performance.now();
  let opened: Awaited<ReturnType<typeof open>>;
  let inputs: TensorSpec[];
  let outputs: TensorSpec[];
  try {
    opened = await open();
    inputs = specsOf(opened.session.inputMetadata, 'input');
    outputs = specsOf(opened.session.outputMetadata, 'output');
  } catch (err) {
    post({ type: 'load-error', message: message(err) });
    port!.close();
    return;
  }
  const { session } = opened;
  post({
    type: 'ready',
    inputs,
    outputs,
    provider: opened.provider,
    loadMs: performance.now() - started,
    ...(opened.fallbackReason === undefined ? {} : { fallbackReason: opened.fallbackReason }),
  });

  port!.on('message', (msg: ToWorker) => {
    if (msg.type === 'close') {
      void session.release().finally(() => port!.close());
      return;
    }
    void (async () => {
      let result: WireTensor[];
      try {
        const feeds: Record<string, ort.Tensor> = {};
        for (const t of msg.inputs) feeds[t.name] = toOrt(t);
        const out = await session.run(feeds, msg.outputNames);
        result = msg.outputNames.map((name) => fromOrt(name, out[name] as ort.Tensor));
      } catch (err) {
        post({ type: 'run-error', id: msg.id, message: message(err) });
        return;
      }
      // ORT's output arrays own their buffers, so they move back without a copy.
      try {
        post({ type: 'result', id: msg.id, outputs: result }, transferList(result));
      } catch (err) {
        post({ type: 'run-error', id: msg.id, message: `could not return the outputs: ${message(err)}` });
      }
    })();
  });
}

void main();
