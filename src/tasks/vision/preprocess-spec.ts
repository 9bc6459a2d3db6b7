import { z } from 'zod';
import { parseOrThrow } from '../../core/parse.js';

/**
 * How a model wants its images: the `preprocessing` object of an image
 * model's config.json. The defaults are torchvision's ImageNet convention
 * (Resize(256) → CenterCrop(224) → ToTensor → Normalize), which torchvision
 * exports and the ONNX Model Zoo's ResNet v1/v2 both expect.
 *
 * Each value fed to the model is `(pixel × scale − mean[c]) / std[c]`, with
 * `pixel` in 0…255 and `c` counted in the model's channel order
 * (`channelOrder`): for a Caffe-style BGR model list mean and std as B, G, R.
 */
const triple = z.tuple([z.number(), z.number(), z.number()]);
const positiveTriple = z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]);

export const preprocessSpecSchema = z
  .object({
    /** Name of the model input the image tensor feeds. */
    inputName: z.string().min(1).default('input'),
    /** The shorter side is resized to this many pixels, keeping the aspect ratio. */
    resizeShorter: z.number().int().min(1).max(4096).default(256),
    /** Side of the square taken from the centre of the resized image. */
    crop: z.number().int().min(1).max(4096).default(224),
    /** Multiplies each 0…255 pixel before normalising (1/255 → [0, 1]; 1 for Caffe-style models). */
    scale: z
      .number()
      .positive()
      .default(1 / 255),
    mean: triple.default([0.485, 0.456, 0.406]),
    std: positiveTriple.default([0.229, 0.224, 0.225]),
    /** Tensor layout without the batch dimension: C×H×W (PyTorch) or H×W×C (TensorFlow/Keras). */
    layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
    channelOrder: z.enum(['RGB', 'BGR']).default('RGB'),
  })
  .strict()
  .refine((s) => s.crop <= s.resizeShorter, {
    message: 'crop must not be larger than resizeShorter',
    path: ['crop'],
  });

export type PreprocessSpec = z.infer<typeof preprocessSpecSchema>;

/** Limits enforced while decoding untrusted images. */
export interface PreprocessLimits {
  /** Largest decoded image in pixels (width × height); larger → 413. */
  maxPixels: number;
}

/** Validate a model's `preprocessing` options (absent → torchvision defaults). */
export function parsePreprocessSpec(value: unknown): PreprocessSpec {
  return parseOrThrow(preprocessSpecSchema, value ?? {}, 'CONFIG', 'invalid preprocessing options');
}

/** Shape of one preprocessed image, without the batch dimension. */
export function imageTensorShape(spec: PreprocessSpec): [number, number, number] {
  return spec.layout === 'NCHW' ? [3, spec.crop, spec.crop] : [spec.crop, spec.crop, 3];
}
