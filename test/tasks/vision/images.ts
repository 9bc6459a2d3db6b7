import sharp, { type Sharp } from 'sharp';

/** Test images generated from raw pixels, so expected values can be worked out by hand. */

export type Rgb = [number, number, number];

/** Interleaved 8-bit pixels from a function of (x, y). */
export function pixels(width: number, height: number, channels: number, at: (x: number, y: number) => number[]): Buffer {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = at(x, y);
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = v[c]!;
    }
  }
  return data;
}

export function raw(data: Buffer, width: number, height: number, channels: 1 | 2 | 3 | 4): Sharp {
  const image = sharp(data, { raw: { width, height, channels } });
  return channels <= 2 ? image.toColourspace('b-w') : image; // written as grey (+ alpha)
}

export function solid(width: number, height: number, colour: Rgb): Sharp {
  return raw(
    pixels(width, height, 3, () => colour),
    width,
    height,
    3,
  );
}

/** The pattern test/tasks/vision/torchvision values were computed on (same formula in Python). */
export function pattern(width: number, height: number): Sharp {
  return raw(
    pixels(width, height, 3, (x, y) => [(x * 37 + y * 11) % 256, (x * x + 3 * y) % 256, (x * y) % 256]),
    width,
    height,
    3,
  );
}

/** Red rising left → right (0…255), green falling, blue constant. */
export function horizontalRamp(width: number, height: number): Sharp {
  return raw(
    pixels(width, height, 3, (x) => {
      const r = Math.round((255 * x) / (width - 1));
      return [r, 255 - r, 128];
    }),
    width,
    height,
    3,
  );
}

/** Undo normalisation: back to 0…255 pixel values. */
export function denormalize(value: number, c: number, mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225]): number {
  return (value * std[c]! + mean[c]!) * 255;
}

/** What torchvision gives for a pixel value v in channel c: (v/255 − mean)/std. */
export function normalized(v: number, c: number): number {
  return (v / 255 - [0.485, 0.456, 0.406][c]!) / [0.229, 0.224, 0.225][c]!;
}

/** Mean of channel c of an NCHW crop over rows (per column) or columns (per row). */
export function columnMeans(t: Float32Array, c: number, size = 224): number[] {
  const out: number[] = [];
  for (let x = 0; x < size; x++) {
    let s = 0;
    for (let y = 0; y < size; y++) s += t[c * size * size + y * size + x]!;
    out.push(s / size);
  }
  return out;
}

export function rowMeans(t: Float32Array, c: number, size = 224): number[] {
  const out: number[] = [];
  for (let y = 0; y < size; y++) {
    let s = 0;
    for (let x = 0; x < size; x++) s += t[c * size * size + y * size + x]!;
    out.push(s / size);
  }
  return out;
}
