import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { onnxConfigSchema, sessionOptionsOf } from '../../backends/onnx/config.js';
import { rtsError } from '../../core/errors.js';
import type { RuntimeSettings } from '../../core/model.js';
import { packageRoot } from '../../core/package-root.js';
import { parseOrThrow } from '../../core/parse.js';
import { type PreprocessSpec, parsePreprocessSpec } from './preprocess-spec.js';

/**
 * The `options` of an `image-classifier` model's config.json:
 *
 * ```json
 * "options": {
 *   "file": "model.onnx",
 *   "labels": "data/imagenet/labels.txt",
 *   "topK": 5,
 *   "onnx": { "executionProvider": "cpu", "intraOpNumThreads": 2, "instances": 1 },
 *   "preprocessing": { "inputName": "input", "resizeShorter": 256, "crop": 224 },
 *   "build": { "depth": 152 }
 * }
 * ```
 */
/** `options.build`: how rtscore generates the model when its folder has no version. */
export const resnetBuildSchema = z
  .object({
    depth: z.union([z.literal(18), z.literal(34), z.literal(50), z.literal(101), z.literal(152)]),
    seed: z.number().int().optional(),
    baseWidth: z.number().int().min(1).optional(),
  })
  .strict();

export const classifierOptionsSchema = z
  .object({
    /** The ONNX file inside the version folder. */
    file: z.string().min(1).default('model.onnx'),
    /**
     * Label file, one class per line in output order (`n01440764 tench, Tinca
     * tinca` or just names). A relative path is looked up in the version
     * folder, then the model folder, then rtscore's own folder (where
     * `data/imagenet/labels.txt` ships).
     */
    labels: z.string().min(1).default('labels.txt'),
    /** Predictions returned when a request does not say. */
    topK: z.number().int().min(1).default(5),
    /** Largest decoded image in pixels; default: the server's `maxImagePixels`. */
    maxPixels: z.number().int().min(1).optional(),
    /** Model output holding the class scores; default: the model's only output. */
    outputName: z.string().min(1).optional(),
    /** Apply softmax to that output (false when the model already ends in a softmax). */
    softmax: z.boolean().default(true),
    onnx: onnxConfigSchema.default({ instances: 1, warmup: true }),
    preprocessing: z.unknown().optional(),
    /** How `rtscore` generates the model when the folder has no version (read by the build step). */
    build: resnetBuildSchema.optional(),
  })
  .strict();

export type ImageClassifierOptions = Omit<z.infer<typeof classifierOptionsSchema>, 'preprocessing'> & {
  preprocessing: PreprocessSpec;
};

export function parseClassifierOptions(value: unknown, modelName: string): ImageClassifierOptions {
  const parsed = parseOrThrow(classifierOptionsSchema, value ?? {}, 'CONFIG', `model "${modelName}": invalid options`);
  return { ...parsed, preprocessing: parsePreprocessSpec(parsed.preprocessing) };
}

/** Session options: the model's `onnx` block over the server's defaults. */
export function sessionDefaults(options: ImageClassifierOptions, settings: RuntimeSettings) {
  return sessionOptionsOf(options.onnx, settings);
}

/** Find a label file (see `labels` above); CONFIG error naming every place tried. */
export function resolveLabelsPath(path: string, versionDir: string, modelDir: string): string {
  if (isAbsolute(path)) return path;
  const candidates = [join(versionDir, path), join(modelDir, path), join(packageRoot(), path)];
  const found = candidates.find((p) => existsSync(p));
  if (found) return resolve(found);
  throw rtsError('CONFIG', `labels file "${path}" not found; looked in ${candidates.join(', ')}`);
}
