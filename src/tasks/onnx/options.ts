import { z } from 'zod';
import { onnxConfigSchema } from '../../backends/onnx/config.js';
import { rtsError } from '../../core/errors.js';

/**
 * The `options` of an `onnx` model's config.json. All optional: a folder with
 * `{"kind": "onnx"}` and `1/model.onnx` is served as the model describes itself.
 *
 * ```json
 * "options": {
 *   "file": "model.onnx",
 *   "inputs": { "float_input": "X" },
 *   "outputs": { "output_probability": "probabilities" },
 *   "defaultOutputs": ["label", "probabilities"],
 *   "labels": { "probabilities": ["setosa", "versicolor", "virginica"] },
 *   "predict": { "labels": "label", "probabilities": "probabilities", "returns": "labels" },
 *   "locale": "C.UTF-8",
 *   "onnx": { "intraOpNumThreads": 2, "instances": 1 }
 * }
 * ```
 */
const name = z.string().min(1).max(256);

export const onnxModelOptionsSchema = z
  .object({
    /** The ONNX file inside the version folder. */
    file: z.string().min(1).default('model.onnx'),
    /** Input renames: the model's input name → the name clients use. */
    inputs: z.record(name, name).default({}),
    /** Output renames: the model's output name → the name clients use. */
    outputs: z.record(name, name).default({}),
    /** Outputs (client names) returned when a request names none; default: all. */
    defaultOutputs: z.array(name).min(1).optional(),
    /** Class labels of score outputs (client names), in index order; override what the model declares. */
    labels: z.record(name, z.array(z.string()).min(1)).default({}),
    /** KServe V1 `:predict` and `/models/{name}/score`: which outputs hold labels and probabilities. */
    predict: z
      .object({
        /** Default: `label`, or the only non-float output. */
        labels: name.optional(),
        /** Default: the output that has class labels (a classifier's probabilities). */
        probabilities: name.optional(),
        /** What `predictions` holds unless the request says (`?probabilities=true`). Default `labels`. */
        returns: z.enum(['labels', 'probabilities']).default('labels'),
      })
      .strict()
      .default({ returns: 'labels' }),
    /** Locale for StringNormalizer nodes that name none; default: one that exists here (C.UTF-8 on Linux). */
    locale: z.string().min(1).max(64).optional(),
    onnx: onnxConfigSchema.default({ instances: 1, warmup: true }),
  })
  .strict();

export type OnnxModelOptions = z.infer<typeof onnxModelOptionsSchema>;

export function parseOnnxModelOptions(value: unknown, modelName: string): OnnxModelOptions {
  const parsed = onnxModelOptionsSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw rtsError('CONFIG', `model "${modelName}": invalid options: ${issues}`);
  }
  return parsed.data;
}
