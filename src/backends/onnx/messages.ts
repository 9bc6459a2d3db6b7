import type { Tensor, TensorSpec } from '../../core/tensor.js';
import type { ExecutionProvider, WorkerSessionOptions } from './options.js';

/** The conversation between OnnxSessionPool (main thread) and a session worker. */

export interface WorkerInit {
  /** The model's file; named in messages, and read unless `modelBytes` is given. */
  modelPath: string;
  /** The model itself, when the caller edited it at load (copied to each worker). */
  modelBytes?: Uint8Array;
  options: WorkerSessionOptions;
}

/** Tensors cross threads as they are: typed arrays (buffers transferred) or arrays of Uint8Array (BYTES). */
export type WireTensor = Pick<Tensor, 'name' | 'datatype' | 'shape' | 'data'>;

export type ToWorker = { type: 'run'; id: number; inputs: WireTensor[]; outputNames: string[] } | { type: 'close' };

export type FromWorker =
  | {
      type: 'ready';
      inputs: TensorSpec[];
      outputs: TensorSpec[];
      provider: ExecutionProvider;
      /** Why CUDA was not used when `auto` asked for it. */
      fallbackReason?: string;
      loadMs: number;
    }
  | { type: 'load-error'; message: string }
  | { type: 'result'; id: number; outputs: WireTensor[] }
  | { type: 'run-error'; id: number; message: string };

/**
 * Buffers to transfer with a message: each typed array that owns its whole
 * (non-shared) ArrayBuffer. Others (views into a larger buffer, Buffer-pool
 * slices) must be copied by the caller first or go by structured clone.
 */
export function transferList(tensors: readonly WireTensor[]): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  for (const t of tensors) {
    if (Array.isArray(t.data)) continue;
    if (ownsWholeBuffer(t.data as ArrayBufferView) && !list.includes(t.data.buffer as ArrayBuffer)) {
      list.push(t.data.buffer as ArrayBuffer);
    }
  }
  return list;
}

export function ownsWholeBuffer(view: ArrayBufferView): boolean {
  return view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
}
