import { z } from 'zod';

/**
 * The `config.json` of a model folder in the model repository.
 * The generic part is validated here; `options` belongs to the model kind,
 * which validates it when it loads the model.
 */
export const batchingSchema = z
  .object({
    /** Largest number of requests run as one inference. 1 = no batching. */
    maxBatchSize: z.number().int().min(1).max(1024).default(1),
    /** How long the first request of a batch may wait for others, in ms. 0 = run at once. */
    maxQueueDelayMs: z.number().min(0).max(10_000).default(0),
    /** Requests allowed to wait; more are refused with 503 + Retry-After. */
    maxQueueSize: z.number().int().min(1).max(1_000_000).default(256),
  })
  .strict();
export type BatchingConfig = z.infer<typeof batchingSchema>;

export const versionPolicySchema = z.union([
  z.object({ latest: z.object({ numVersions: z.number().int().min(1).default(1) }).strict() }).strict(),
  z.object({ specific: z.object({ versions: z.array(z.number().int().min(1)).min(1) }).strict() }).strict(),
  z.object({ all: z.object({}).strict() }).strict(),
]);
export type VersionPolicy = z.infer<typeof versionPolicySchema>;

export const modelConfigSchema = z
  .object({
    /** Which model kind loads this folder, e.g. `faq-matcher`, `image-classifier`. */
    kind: z.string().min(1),
    description: z.string().optional(),
    versionPolicy: versionPolicySchema.default({ latest: { numVersions: 1 } }),
    batching: batchingSchema.default({ maxBatchSize: 1, maxQueueDelayMs: 0, maxQueueSize: 256 }),
    /** Kind-specific options (backend, preprocessing, labels, defaults, …). */
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type ModelConfig = z.infer<typeof modelConfigSchema>;
