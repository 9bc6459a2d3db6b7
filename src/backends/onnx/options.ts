import { rtsError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';

export type ExecutionProvider = 'cpu' | 'cuda';
export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface OnnxSessionOptions {
  /**
   * Where the model runs. `cuda` needs onnxruntime-node's CUDA libraries
   * (installed with `ONNXRUNTIME_NODE_INSTALL=cuda12`) and a GPU, and fails
   * otherwise; `auto` tries CUDA and falls back to CPU with a warning that
   * says why. Default `cpu`.
   */
  executionProvider?: ExecutionProvider | 'auto';
  /** Threads one run may use inside an operator. Default 2 (ONNX Runtime's own default came out as 1). */
  intraOpNumThreads?: number;
  /** Threads across independent operators (only used by parallel execution). Default 1. */
  interOpNumThreads?: number;
  /** ONNX Runtime graph optimisations applied at load. Default `all`. */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** Worker threads, each holding its own session (and its own copy of the weights). Default 1. */
  instances?: number;
  /** Run each session once with zeros at open so the first request is not slow. Default true. */
  warmup?: boolean;
  /**
   * The model's bytes, when the caller changed the file's graph at load (the
   * file path then only names the model in messages and logs).
   */
  modelBytes?: Uint8Array;
  logger?: Logger;
}

export interface ResolvedSessionOptions {
  executionProvider: ExecutionProvider | 'auto';
  intraOpNumThreads: number;
  interOpNumThreads: number;
  graphOptimizationLevel: GraphOptimizationLevel;
  instances: number;
  warmup: boolean;
  logger: Logger;
}

/** What a worker needs to create its session (structured-cloneable: no logger). */
export type WorkerSessionOptions = Omit<ResolvedSessionOptions, 'logger' | 'instances' | 'warmup'>;

const PROVIDERS = ['cpu', 'cuda', 'auto'] as const;
const LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;

function count(value: number | undefined, fallback: number, what: string, min: number, max: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw rtsError('CONFIG', `${what} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return n;
}

export function resolveSessionOptions(options: OnnxSessionOptions = {}): ResolvedSessionOptions {
  const executionProvider = options.executionProvider ?? 'cpu';
  if (!(PROVIDERS as readonly string[]).includes(executionProvider)) {
    throw rtsError('CONFIG', `executionProvider must be one of ${PROVIDERS.join(', ')}, got ${String(executionProvider)}`);
  }
  const graphOptimizationLevel = options.graphOptimizationLevel ?? 'all';
  if (!(LEVELS as readonly string[]).includes(graphOptimizationLevel)) {
    throw rtsError('CONFIG', `graphOptimizationLevel must be one of ${LEVELS.join(', ')}, got ${String(graphOptimizationLevel)}`);
  }
  return {
    executionProvider,
    intraOpNumThreads: count(options.intraOpNumThreads, 2, 'intraOpNumThreads', 1, 1024),
    interOpNumThreads: count(options.interOpNumThreads, 1, 'interOpNumThreads', 1, 1024),
    graphOptimizationLevel,
    instances: count(options.instances, 1, 'instances', 1, 64),
    warmup: options.warmup ?? true,
    logger: options.logger ?? silentLogger,
  };
}
