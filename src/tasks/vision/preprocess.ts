import sharp, { type ResizeOptions, type Sharp } from 'sharp';
import { resizeCropBilinear } from './bilinear.js';
import { checkRgb, DECODE_TIMEOUT_SECONDS, decodeError, decodeRgb, type ImageInfo, inspectImage, sharpInput } from './image-decode.js';
import type { PreprocessLimits, PreprocessSpec } from './preprocess-spec.js';

export type { PreprocessLimits, PreprocessSpec } from './preprocess-spec.js';

/**
 * Encoded image → model input, the torchvision way:
 * `Resize(resizeShorter) → CenterCrop(crop) → ToTensor → Normalize(mean, std)`
 * on the RGB image (`PIL.Image.convert('RGB')`: alpha dropped, not blended;
 * grey copied to three channels), after applying the EXIF orientation.
 *
 * Decoding and resizing run in sharp (libvips, on libuv's thread pool), so
 * concurrent requests do not serialise on the event loop; only the final
 * crop-and-normalise loop (crop² × 3 table look-ups) runs in JavaScript.
 *
 * Resizing, chosen to match PIL's antialiased bilinear resize:
 * - downscaling (the usual case): libvips `reduce` with the `linear` kernel,
 *   which like PIL stretches a triangle filter over the scale factor;
 *   JPEG shrink-on-load is limited (`fastShrinkOnLoad: false`) so that at
 *   least a factor 2 is left to the kernel;
 * - images with alpha are decoded to RGB first and then resized, because
 *   libvips would premultiply by alpha during the resize (PIL drops alpha
 *   before it);
 * - upscaling (shorter side below `resizeShorter`): Pillow's algorithm
 *   itself, computed over the crop window only (bilinear.ts).
 *
 * Tolerance against torchvision 0.14 / Pillow 9.4 (Resize(256),
 * CenterCrop(224), ToTensor, Normalize), measured with
 * test/tasks/vision/torchvision/{reference.py,compare.ts} on 28 images: 10 real
 * photos from 320×320 to 4032×3024 (JPEG, and re-encoded as WebP, TIFF, GIF),
 * grey and RGBA PNGs, an EXIF-rotated JPEG, noise, odd and extreme sizes
 * (1×1, 3×1000), synthetic patterns. Decoded pixels are identical. Per value,
 * the largest difference is 1–2 grey levels (≤ 0.035 after normalisation) for
 * typical photos, 4–8 levels at a few pixels of 4–12× downscales (0.07–0.14);
 * the mean absolute difference is 0.1–0.6 levels (0.002–0.011). Upscaled
 * images match exactly. The test suite pins a few of those values.
 */
export async function preprocessImage(bytes: Uint8Array, spec: PreprocessSpec, limits: PreprocessLimits): Promise<Float32Array> {
  const info = await inspectImage(bytes, limits);
  const { rgb, width, left, top } = await resizeForCrop(bytes, info, spec, limits);
  return normalize(rgb, width, left, top, spec);
}

/** Size after `Resize(shorter)`: torchvision's `_compute_resized_output_size`. */
export function resizedSize(width: number, height: number, shorter: number): [number, number] {
  return width <= height ? [shorter, Math.trunc((shorter * height) / width)] : [Math.trunc((shorter * width) / height), shorter];
}

/** Offset of a centre crop: torchvision's `int(round((size - crop) / 2.0))`, Python's round-half-to-even. */
export function centerCropOffset(size: number, crop: number): number {
  const x = (size - crop) / 2;
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

interface Resized {
  /** Interleaved 8-bit RGB. */
  rgb: Uint8Array;
  width: number;
  /** Where the crop starts inside `rgb`. */
  left: number;
  top: number;
}

async function resizeForCrop(bytes: Uint8Array, info: ImageInfo, spec: PreprocessSpec, limits: PreprocessLimits): Promise<Resized> {
  const [outWidth, outHeight] = resizedSize(info.width, info.height, spec.resizeShorter);
  const left = centerCropOffset(outWidth, spec.crop);
  const top = centerCropOffset(outHeight, spec.crop);

  if (outWidth > info.width || outHeight > info.height) {
    const src = await decodeRgb(bytes, limits);
    const rgb = resizeCropBilinear(src.data, src.width, src.height, 3, outWidth, outHeight, left, top, spec.crop);
    return { rgb, width: spec.crop, left: 0, top: 0 };
  }

  const resize: ResizeOptions = { width: outWidth, height: outHeight, fit: 'fill', kernel: 'linear', fastShrinkOnLoad: false };
  try {
    let pipeline: Sharp;
    if (info.hasAlpha) {
      const src = await decodeRgb(bytes, limits);
      pipeline = sharp(src.data, { raw: { width: src.width, height: src.height, channels: 3 } });
    } else {
      pipeline = sharp(bytes, sharpInput(limits)).removeAlpha().toColourspace('srgb');
    }
    const { data, info: out } = await pipeline.timeout({ seconds: DECODE_TIMEOUT_SECONDS }).resize(resize).raw().toBuffer({ resolveWithObject: true });
    const { width, height } = checkRgb(data, out);
    if (width !== outWidth || height !== outHeight) {
      throw new Error(`resized to ${width}×${height} instead of ${outWidth}×${outHeight}`);
    }
    return { rgb: data, width, left, top };
  } catch (err) {
    throw decodeError(err);
  }
}

/**
 * Crop and normalise into a Float32Array in the model's layout and channel
 * order. Each of the 256 byte values per channel is converted once, in a
 * table, as torchvision does it in float32: `((v / 255) − mean) / std`.
 */
function normalize(rgb: Uint8Array, width: number, left: number, top: number, spec: PreprocessSpec): Float32Array {
  const size = spec.crop;
  const plane = size * size;
  const lut = channelTables(spec);
  const out = new Float32Array(3 * plane);
  // Source channel feeding model channel c.
  const src = spec.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  const s0 = src[0]!,
    s1 = src[1]!,
    s2 = src[2]!;
  const nchw = spec.layout === 'NCHW';
  for (let y = 0; y < size; y++) {
    let p = ((top + y) * width + left) * 3;
    let o = y * size;
    for (let x = 0; x < size; x++, p += 3, o++) {
      const v0 = lut[rgb[p + s0]!]!,
        v1 = lut[256 + rgb[p + s1]!]!,
        v2 = lut[512 + rgb[p + s2]!]!;
      if (nchw) {
        out[o] = v0;
        out[plane + o] = v1;
        out[2 * plane + o] = v2;
      } else {
        out[o * 3] = v0;
        out[o * 3 + 1] = v1;
        out[o * 3 + 2] = v2;
      }
    }
  }
  return out;
}

const tables = new WeakMap<PreprocessSpec, Float32Array>();

function channelTables(spec: PreprocessSpec): Float32Array {
  const cached = tables.get(spec);
  if (cached) return cached;
  const f = Math.fround;
  const lut = new Float32Array(3 * 256);
  const exactDivision = Math.abs(spec.scale * 255 - 1) < 1e-12;
  for (let c = 0; c < 3; c++) {
    const mean = f(spec.mean[c]!),
      std = f(spec.std[c]!);
    for (let v = 0; v < 256; v++) {
      // float32 at each step, as torch computes ToTensor then Normalize.
      const scaled = exactDivision ? f(v / 255) : f(v * spec.scale);
      lut[c * 256 + v] = f(f(scaled - mean) / std);
    }
  }
  tables.set(spec, lut);
  return lut;
}
