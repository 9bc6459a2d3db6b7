import { z } from 'zod';
import type { RuntimeSettings } from '../../core/model.js';

/**
 * The `onnx` block of a model's config.json options, shared by every model
 * kind that runs on ONNX Runtime:
 * `{ "executionProvider": "cpu", "intraOpNumThreads": 2, "instances": 1 }`.
 */
export const onnxConfigSchema = z
  .object({
    /** Default: the server's `executionProvider` setting. */
    executionProvider: z.enum(['cpu', 'cuda', 'auto']).optional(),
    /** Default: the server's `onnxThreads` setting. */
    intraOpNumThreads: z.number().int().min(1).max(1024).optional(),
    interOpNumThreads: z.number().int().min(1).max(1024).optional(),
    graphOptimizationLevel: z.enum(['disabled', 'basic', 'extended', 'all']).optional(),
    /** Sessions (worker threads) of the model; batches run on them in parallel. Default 1. */
    instances: z.number().int().min(1).max(64).default(1),
    /** Run each session at load, at batch 1 and at `maxBatchSize`. Default true. */
    warmup: z.boolean().default(true),
  })
  .strict();
export type OnnxConfig = z.infer<typeof onnxConfigSchema>;

/** Session options: a model's `onnx` block over the server's defaults. */
export function sessionOptionsOf(onnx: OnnxConfig, settings: RuntimeSettings) {
  return {
    executionProvider: onnx.executionProvider ?? settings.executionProvider,
    intraOpNumThreads: onnx.intraOpNumThreads ?? settings.intraOpThreads,
    interOpNumThreads: onnx.interOpNumThreads,
    graphOptimizationLevel: onnx.graphOptimizationLevel,
    instances: onnx.instances,
  };
}
