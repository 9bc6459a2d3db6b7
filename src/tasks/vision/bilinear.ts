/**
 * PIL's antialiased bilinear resize (`Image.resize(size, BILINEAR)`, which
 * torchvision's `Resize` calls on PIL images), reproduced bit for bit and
 * evaluated only over a crop window of the resized image.
 *
 * Used for upscaling (images whose shorter side is below the target): there
 * libvips aligns pixel centres differently from PIL (half a source pixel off,
 * up to ±37 grey levels on a 120×90 photo), while this gives PIL's bytes
 * exactly. Because only the crop is computed, the cost is bounded by the crop
 * size (224² × 3 × 2 taps per pass for an upscale), not by the resized size,
 * so it stays far below a millisecond on the event loop.
 *
 * Algorithm (Pillow src/libImaging/Resample.c): separable, horizontal pass
 * first into an 8-bit intermediate, then vertical; triangle filter of support
 * 1 stretched by the downscale factor; weights normalised per output pixel and
 * held as fixed point with 22 fractional bits; results rounded and clipped.
 */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

interface Coefficients {
  /** Per output position: first source index and number of taps. */
  first: Int32Array;
  count: Int32Array;
  /** Fixed-point weights, `ksize` per output position. */
  weights: Int32Array;
  ksize: number;
}

function triangle(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? 1 - a : 0;
}

/** Weights for output positions `start … start+length-1` of a resize inSize → outSize. */
function coefficients(inSize: number, outSize: number, start: number, length: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // triangle support (1) × filter scale
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(length);
  const count = new Int32Array(length);
  const weights = new Int32Array(length * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale; // multiplied, not divided, as Pillow does
  for (let j = 0; j < length; j++) {
    const center = (start + j + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = triangle((x + xmin - center + 0.5) * ss);
      sum += k[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? k[x]! / sum : k[x]!;
      weights[j * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[j] = xmin;
    count[j] = xmax;
  }
  return { first, count, weights, ksize };
}

function clip8(v: number): number {
  if (v >= ONE * 256) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/**
 * Resize an interleaved 8-bit image (`channels` per pixel) to outWidth×outHeight
 * and return the `size`×`size` window at (left, top) of the result, interleaved.
 */
export function resizeCropBilinear(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
  left: number,
  top: number,
  size: number,
): Uint8Array {
  if (left < 0 || top < 0 || left + size > outWidth || top + size > outHeight) {
    throw new RangeError(`crop ${size}×${size} at (${left}, ${top}) lies outside ${outWidth}×${outHeight}`);
  }
  const h = coefficients(width, outWidth, left, size);
  const v = coefficients(height, outHeight, top, size);
  const rowFirst = v.first[0]!;
  const rowEnd = v.first[size - 1]! + v.count[size - 1]!;
  const rows = rowEnd - rowFirst;

  // Horizontal pass over the source rows the vertical pass will read.
  const temp = new Uint8Array(rows * size * channels);
  for (let r = 0; r < rows; r++) {
    const srcRow = (rowFirst + r) * width * channels;
    const dstRow = r * size * channels;
    for (let j = 0; j < size; j++) {
      const xmin = h.first[j]!,
        n = h.count[j]!,
        kOff = j * h.ksize;
      for (let c = 0; c < channels; c++) {
        let ss = HALF;
        for (let x = 0; x < n; x++) ss += src[srcRow + (xmin + x) * channels + c]! * h.weights[kOff + x]!;
        temp[dstRow + j * channels + c] = clip8(ss);
      }
    }
  }

  // Vertical pass.
  const out = new Uint8Array(size * size * channels);
  const stride = size * channels;
  for (let i = 0; i < size; i++) {
    const ymin = v.first[i]! - rowFirst,
      n = v.count[i]!,
      kOff = i * v.ksize;
    for (let p = 0; p < stride; p++) {
      let ss = HALF;
      for (let y = 0; y < n; y++) ss += temp[(ymin + y) * stride + p]! * v.weights[kOff + y]!;
      out[i * stride + p] = clip8(ss);
    }
  }
  return out;
}
