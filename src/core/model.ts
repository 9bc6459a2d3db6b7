import type { Logger } from './logger.js';
import type { ModelConfig } from './model-config.js';
import type { ModelObserver } from './observer.js';
import type { Tensor, TensorSpec } from './tensor.js';
import type { RequestTimings } from './timings.js';

/** What clients can learn about a loaded model (OIP model metadata and more). */
export interface ModelMetadata {
  name: string;
  version: string;
  /** The model kind that loaded it, e.g. `faq-matcher`. */
  kind: string;
  /** OIP platform string, e.g. `onnxruntime_onnx`, `rtscore_text`. */
  platform: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Largest batch one inference takes (1 = not batched). */
  maxBatchSize: number;
  /** Most items (e.g. images) the model's queue holds; a request with more can never be served. Absent: unbounded. */
  maxQueueSize?: number;
  /** Free-form facts shown in metadata (`properties` in OIP): provider, labels count, … */
  properties?: Record<string, string>;
  /**
   * Class labels of a probability output, by output name, in index order; used
   * for the OIP `classification` extension (`"<score>:<index>:<label>"`).
   */
  labels?: Record<string, string[]>;
}

export interface InferOptions {
  /** Aborted when the client goes away: queued work is then dropped before it costs inference. */
  signal?: AbortSignal;
  /** Names of the outputs wanted (all when absent). */
  outputs?: string[];
  /** Request-level parameters (OIP `parameters`). */
  parameters?: Record<string, string | number | boolean>;
  /** Filled with where the request's time went (preprocess, queue, inference), when given. */
  timings?: RequestTimings;
}

/**
 * The model contract. Every loaded model answers tensor inference (the Open
 * Inference Protocol view); task capabilities (see capabilities.ts) add the
 * friendly APIs on top.
 */
export interface Model {
  readonly name: string;
  readonly version: string;
  readonly kind: string;
  readonly metadata: ModelMetadata;
  /** Tensor-level inference. Throws RtsError on bad inputs (400) or failures. */
  infer(inputs: Tensor[], options?: InferOptions): Promise<Tensor[]>;
  /** Finish queued work, then free resources. Called once, after the last request. */
  close(): Promise<void>;
}

/** Everything a model kind gets to load one version of a model. */
export interface ModelLoadContext {
  name: string;
  version: string;
  /** The model's folder (holding config.json). */
  modelDir: string;
  /** The version's folder (`<modelDir>/<version>`). */
  versionDir: string;
  config: ModelConfig;
  logger: Logger;
  observer: ModelObserver;
  /** Server-wide settings a kind may honour (defaults for threads, providers, limits). */
  settings: RuntimeSettings;
}

/** Server-wide runtime settings passed down to model kinds. */
export interface RuntimeSettings {
  /** Threads per ONNX Runtime session unless a model's config says otherwise. */
  intraOpThreads: number;
  /** Default ONNX Runtime execution provider: `cpu`, `cuda` or `auto`. */
  executionProvider: 'cpu' | 'cuda' | 'auto';
  /** Largest decoded image, in pixels (decompression-bomb guard). */
  maxImagePixels: number;
}

export const defaultRuntimeSettings: RuntimeSettings = {
  intraOpThreads: 2,
  executionProvider: 'cpu',
  maxImagePixels: 40_000_000,
};

/** What a kind gets to build a model's first version from shipped data. */
export interface ModelBuildContext {
  name: string;
  modelDir: string;
  config: ModelConfig;
  logger: Logger;
}

/** A model kind: knows how to load a version folder into a Model. */
export interface ModelKind {
  readonly kind: string;
  load(context: ModelLoadContext): Promise<Model>;
  /**
   * Optional: create version 1 of a model whose folder has none yet (train it,
   * generate it) from what the project ships. Heavy work must not block the
   * event loop (worker thread or child process).
   */
  build?(context: ModelBuildContext): Promise<void>;
}
