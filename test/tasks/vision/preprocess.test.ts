import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { isRtsError } from '../../../src/core/errors.js';
import { inspectImage, sniffFormat } from '../../../src/tasks/vision/image-decode.js';
import { centerCropOffset, preprocessImage, resizedSize } from '../../../src/tasks/vision/preprocess.js';
import { parsePreprocessSpec } from '../../../src/tasks/vision/preprocess-spec.js';
import { columnMeans, denormalize, horizontalRamp, normalized, pattern, pixels, type Rgb, raw, rowMeans, solid } from './images.js';

const spec = parsePreprocessSpec({});
const limits = { maxPixels: 40_000_000 };
const PLANE = 224 * 224;
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/images/${name}`, import.meta.url));

/** Rejects with an RtsError of this code (e.g. 'RTS_ERR_BAD_IMAGE'). */
async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRtsError(err), `expected an RtsError, got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  if (message) expect((err as Error).message).toMatch(message);
}

/** Largest |value − (colour/255 − mean)/std| over the whole tensor. */
function maxErrorFromSolid(t: Float32Array, colour: Rgb): number {
  let max = 0;
  for (let c = 0; c < 3; c++) {
    const want = normalized(colour[c]!, c);
    for (let i = 0; i < PLANE; i++) max = Math.max(max, Math.abs(t[c * PLANE + i]! - want));
  }
  return max;
}

const LEVEL = 1 / 255 / 0.224; // one grey level after normalisation (mid std)

describe('geometry: torchvision Resize(256) and CenterCrop(224)', () => {
  it('resizes the shorter side and truncates the longer, like _compute_resized_output_size', () => {
    expect(resizedSize(768, 576, 256)).toEqual([341, 256]); // 341.33 → 341
    expect(resizedSize(300, 400, 256)).toEqual([256, 341]);
    expect(resizedSize(640, 200, 256)).toEqual([819, 256]);
    expect(resizedSize(500, 500, 256)).toEqual([256, 256]);
    expect(resizedSize(1, 1000, 256)).toEqual([256, 256000]);
  });

  it('rounds crop offsets half to even, like Python round()', () => {
    expect(centerCropOffset(256, 224)).toBe(16);
    expect(centerCropOffset(257, 224)).toBe(16); // 16.5 → 16
    expect(centerCropOffset(259, 224)).toBe(18); // 17.5 → 18
    expect(centerCropOffset(341, 224)).toBe(58); // 58.5 → 58
    expect(centerCropOffset(819, 224)).toBe(298); // 297.5 → 298
    expect(centerCropOffset(224, 224)).toBe(0);
  });
});

describe('formats', () => {
  const colour: Rgb = [200, 100, 50];
  // Lossless formats reproduce a solid colour exactly; lossy ones within a few levels.
  const cases: [string, () => Sharp, number][] = [
    ['PNG', () => solid(300, 200, colour).png(), 1e-6],
    ['JPEG', () => solid(300, 200, colour).jpeg({ quality: 95 }), 3 * LEVEL],
    ['WebP (lossless)', () => solid(300, 200, colour).webp({ lossless: true }), 1e-6],
    ['WebP (lossy)', () => solid(300, 200, colour).webp({ quality: 90 }), 3 * LEVEL],
    ['GIF', () => solid(300, 200, colour).gif(), 1e-6],
    ['TIFF', () => solid(300, 200, colour).tiff(), 1e-6],
    ['PNG, larger than the target (downscaled)', () => solid(900, 600, colour).png(), 1e-6],
  ];
  for (const [name, make, tolerance] of cases) {
    it(`${name}: a solid colour gives (c/255 − mean)/std everywhere`, async () => {
      const t = await preprocessImage(await make().toBuffer(), spec, limits);
      expect(t).toBeInstanceOf(Float32Array);
      expect(t.length).toBe(3 * PLANE);
      expect(maxErrorFromSolid(t, colour)).toBeLessThanOrEqual(tolerance);
    });
  }

  it('detects the format from the bytes', async () => {
    expect(sniffFormat(await solid(8, 8, colour).png().toBuffer())).toBe('png');
    expect(sniffFormat(await solid(8, 8, colour).jpeg().toBuffer())).toBe('jpeg');
    expect(sniffFormat(await solid(8, 8, colour).webp().toBuffer())).toBe('webp');
    expect(sniffFormat(await solid(8, 8, colour).gif().toBuffer())).toBe('gif');
    expect(sniffFormat(await solid(8, 8, colour).tiff().toBuffer())).toBe('tiff');
    expect(sniffFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
  });

  it('takes the first frame of an animated GIF', async () => {
    // Two 40×40 frames: red, then blue.
    const frames = pixels(40, 80, 3, (_x, y) => (y < 40 ? [255, 0, 0] : [0, 0, 255]));
    const gif = await sharp(frames, { raw: { width: 40, height: 80, channels: 3, pageHeight: 40 } })
      .gif()
      .toBuffer();
    const info = await inspectImage(gif, limits);
    expect(info).toMatchObject({ format: 'gif', width: 40, height: 40, pages: 2 });
    expect(maxErrorFromSolid(await preprocessImage(gif, spec, limits), [255, 0, 0])).toBeLessThan(1e-6);
  });

  it('reads 16-bit PNGs as 8-bit values', async () => {
    const data = new Uint16Array(300 * 260 * 3);
    for (let i = 0; i < data.length; i++) data[i] = [200, 100, 50][i % 3]! * 257;
    const png = await sharp(data, { raw: { width: 300, height: 260, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect(maxErrorFromSolid(await preprocessImage(png, spec, limits), [200, 100, 50])).toBeLessThan(1e-6);
  });
});

describe('orientation, colour and alpha', () => {
  it('crops the centre without resizing when the shorter side is already 256', async () => {
    // 512×256 ramp: no resize, crop at (144, 16); column j holds the ramp at x = 144 + j.
    const t = await preprocessImage(await horizontalRamp(512, 256).png().toBuffer(), spec, limits);
    for (let y = 0; y < 224; y += 37) {
      for (let x = 0; x < 224; x++) {
        const r = Math.round((255 * (144 + x)) / 511);
        expect(t[y * 224 + x]).toBeCloseTo(normalized(r, 0), 6);
        expect(t[PLANE + y * 224 + x]).toBeCloseTo(normalized(255 - r, 1), 6);
        expect(t[2 * PLANE + y * 224 + x]).toBeCloseTo(normalized(128, 2), 6);
      }
    }
  });

  it('keeps a downscaled horizontal ramp linear: column means follow the resampled position', async () => {
    // 1000×500 → 512×256, crop from x = 144. A linear ramp stays linear under a normalised filter.
    const t = await preprocessImage(await horizontalRamp(1000, 500).png().toBuffer(), spec, limits);
    const red = columnMeans(t, 0).map((v) => denormalize(v, 0));
    red.forEach((v, j) => {
      const sourceX = (144 + j + 0.5) * (1000 / 512) - 0.5;
      expect(Math.abs(v - (255 * sourceX) / 999)).toBeLessThan(1.5);
    });
    const rows = rowMeans(t, 0).map((v) => denormalize(v, 0));
    expect(Math.max(...rows) - Math.min(...rows)).toBeLessThan(0.01); // no vertical change
  });

  it('honours EXIF orientation: a horizontal ramp stored with orientation 6 becomes vertical', async () => {
    // Stored 400×300, rotated 90° clockwise for display → 300×400, the ramp now runs top → bottom.
    const jpeg = await horizontalRamp(400, 300).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const info = await inspectImage(jpeg, limits);
    expect(info).toMatchObject({ width: 300, height: 400, orientation: 6 });

    const t = await preprocessImage(jpeg, spec, limits);
    // 300×400 → 256×341, crop top = round(58.5) = 58.
    const rows = rowMeans(t, 0).map((v) => denormalize(v, 0));
    rows.forEach((v, i) => {
      const sourceY = (58 + i + 0.5) * (400 / 341) - 0.5;
      expect(Math.abs(v - (255 * sourceY) / 399)).toBeLessThan(3);
    });
    const columns = columnMeans(t, 0).map((v) => denormalize(v, 0));
    expect(Math.max(...columns) - Math.min(...columns)).toBeLessThan(3);

    // The same pixels without the tag keep the ramp horizontal.
    const plain = await preprocessImage(await horizontalRamp(400, 300).jpeg({ quality: 95 }).toBuffer(), spec, limits);
    const plainColumns = columnMeans(plain, 0).map((v) => denormalize(v, 0));
    expect(plainColumns[223]! - plainColumns[0]!).toBeGreaterThan(100);
  });

  it('expands grey to three equal channels', async () => {
    // 256×300 grey, vertical ramp g(y) = y % 256: no resize, crop at (16, 38).
    const grey = await raw(
      pixels(256, 300, 1, (_x, y) => [y % 256]),
      256,
      300,
      1,
    )
      .png()
      .toBuffer();
    expect((await inspectImage(grey, limits)).channels).toBe(1);
    const t = await preprocessImage(grey, spec, limits);
    for (let i = 0; i < PLANE; i += 97) {
      const y = Math.floor(i / 224);
      const values = [0, 1, 2].map((c) => denormalize(t[c * PLANE + i]!, c));
      for (const v of values) expect(v).toBeCloseTo((38 + y) % 256, 3);
    }
  });

  it('drops alpha rather than blending it (PIL convert("RGB"))', async () => {
    // Alpha from 0 to 255 across the image; the colour must come through unchanged.
    const colour: Rgb = [10, 200, 30];
    for (const [w, h] of [
      [300, 260],
      [120, 90],
    ]) {
      // downscaled and upscaled paths
      const rgba = await raw(
        pixels(w!, h!, 4, (x) => [...colour, x % 256]),
        w!,
        h!,
        4,
      )
        .png()
        .toBuffer();
      expect((await inspectImage(rgba, limits)).hasAlpha).toBe(true);
      expect(maxErrorFromSolid(await preprocessImage(rgba, spec, limits), colour)).toBeLessThan(1e-6);
    }
    const greyAlpha = await raw(
      pixels(300, 300, 2, (x) => [90, (x * 7) % 256]),
      300,
      300,
      2,
    )
      .png()
      .toBuffer();
    expect(await inspectImage(greyAlpha, limits)).toMatchObject({ channels: 2, hasAlpha: true });
    expect(maxErrorFromSolid(await preprocessImage(greyAlpha, spec, limits), [90, 90, 90])).toBeLessThan(1e-6);
  });

  it('handles non-square images: a 640×200 half red, half blue image keeps its boundary in place', async () => {
    // 640×200 → 819×256 (upscaled), crop left = round(297.5) = 298. Resized column X samples
    // the source at (X + 0.5) × 640/819; the red|blue edge (source x = 320) falls exactly on
    // X = 409, i.e. crop column 111, which gets half of each; every other column is pure.
    const img = await raw(
      pixels(640, 200, 3, (x) => (x < 320 ? [255, 0, 0] : [0, 0, 255])),
      640,
      200,
      3,
    )
      .png()
      .toBuffer();
    const t = await preprocessImage(img, spec, limits);
    const red = columnMeans(t, 0).map((v) => Math.abs(Math.round(denormalize(v, 0))));
    const blue = columnMeans(t, 2).map((v) => Math.abs(Math.round(denormalize(v, 2))));
    for (let x = 0; x < 224; x++) {
      const want = x < 111 ? [255, 0] : x > 111 ? [0, 255] : [128, 128];
      expect([red[x], blue[x]], `column ${x}`).toEqual(want);
    }
  });
});

describe('agreement with torchvision', () => {
  // Values of torchvision 0.14.1 / Pillow 9.4 (Debian bookworm), computed with
  //   T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
  //              T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
  // on the same images (the pattern from images.ts written by PIL from numpy;
  // the dog fixture opened by PIL), flattened C×H×W, at these indices.
  const INDICES = [0, 1000, 25000, 50175, 50176 + 777, 100352 + 12345, 150527];
  const reference: Record<string, { values: number[]; means: number[] }> = {
    'pattern 60×40 (upscaled)': {
      values: [1.512543797492981, -1.1931673288345337, 0.7419300079345703, -0.5081771016120911, -1.125349998474121, 1.175947904586792, 1.6116777658462524],
      means: [0.061192307621240616, 0.21359685063362122, 0.41216975450515747],
    },
    'pattern 600×400 (downscaled)': {
      values: [
        -0.9705454111099243, 0.19393789768218994, -0.5253018736839294, 0.21106265485286713, 1.0280112028121948, 0.06047937646508217, 0.025620991364121437,
      ],
      means: [0.06546905636787415, 0.19809259474277496, 0.384347140789032],
    },
    'dog.jpg 512×384 (downscaled)': {
      values: [-0.11430778354406357, -0.23418104648590088, 0.365185409784317, 0.6391814351081848, 0.2226891964673996, -1.4384313821792603, 1.0539435148239136],
      means: [0.12726131081581116, 0.24353556334972382, 0.16717103123664856],
    },
  };
  const inputs: Record<string, () => Promise<Buffer>> = {
    'pattern 60×40 (upscaled)': () => pattern(60, 40).png().toBuffer(),
    'pattern 600×400 (downscaled)': () => pattern(600, 400).png().toBuffer(),
    'dog.jpg 512×384 (downscaled)': async () => fixture('dog.jpg'),
  };

  it("matches exactly when upscaling (Pillow's bilinear resampling reproduced)", async () => {
    const t = await preprocessImage(await inputs['pattern 60×40 (upscaled)']!(), spec, limits);
    const ref = reference['pattern 60×40 (upscaled)']!;
    INDICES.forEach((i, k) => expect(t[i]).toBeCloseTo(ref.values[k]!, 6));
    [0, 1, 2].forEach((c) => expect(mean(t, c)).toBeCloseTo(ref.means[c]!, 6));
  });

  for (const name of ['pattern 600×400 (downscaled)', 'dog.jpg 512×384 (downscaled)']) {
    it(`stays within 2 grey levels when downscaling: ${name}`, async () => {
      const t = await preprocessImage(await inputs[name]!(), spec, limits);
      const ref = reference[name]!;
      INDICES.forEach((i, k) => expect(Math.abs(t[i]! - ref.values[k]!)).toBeLessThanOrEqual(2 / 255 / 0.224 + 1e-6));
      [0, 1, 2].forEach((c) => expect(Math.abs(mean(t, c) - ref.means[c]!)).toBeLessThan(0.002));
    });
  }

  function mean(t: Float32Array, c: number): number {
    let s = 0;
    for (let i = 0; i < PLANE; i++) s += t[c * PLANE + i]!;
    return s / PLANE;
  }
});

describe('configurable conventions', () => {
  it('writes NHWC and BGR with Caffe-style mean subtraction', async () => {
    const caffe = parsePreprocessSpec({ layout: 'NHWC', channelOrder: 'BGR', scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] });
    const t = await preprocessImage(await solid(300, 300, [200, 100, 50]).png().toBuffer(), caffe, limits);
    const want = [50 - 103.939, 100 - 116.779, 200 - 123.68];
    for (const pixel of [0, 1, 224 * 100 + 37, PLANE - 1]) {
      [0, 1, 2].forEach((c) => expect(t[pixel * 3 + c]).toBeCloseTo(want[c]!, 4));
    }
  });

  it('honours other sizes', async () => {
    const small = parsePreprocessSpec({ resizeShorter: 160, crop: 128 });
    const t = await preprocessImage(fixture('eagle.jpg'), small, limits);
    expect(t.length).toBe(3 * 128 * 128);
    expect(t.every(Number.isFinite)).toBe(true);
  });

  it('rejects specs that cannot work', () => {
    expect(() => parsePreprocessSpec({ crop: 300, resizeShorter: 256 })).toThrow(/crop/);
    expect(() => parsePreprocessSpec({ std: [0, 1, 1] })).toThrow(/std/);
    expect(() => parsePreprocessSpec({ layout: 'CHW' })).toThrow(/layout/);
    expect(() => parsePreprocessSpec({ colour: 'RGB' })).toThrow(/colour|unrecognized/i);
  });
});

describe('bad input', () => {
  it('refuses images over the pixel limit with 413 before decoding them', async () => {
    const big = await solid(2000, 1000, [1, 2, 3]).png().toBuffer();
    await rejectsWith(preprocessImage(big, spec, { maxPixels: 1_000_000 }), 'RTS_ERR_PAYLOAD_TOO_LARGE', /2000×1000 = 2000000 pixels.*limit of 1000000/);
    await expect(preprocessImage(big, spec, { maxPixels: 2_000_000 })).resolves.toBeInstanceOf(Float32Array);
  });

  it('answers 400 for undecodable data in a known format', async () => {
    await rejectsWith(preprocessImage(new Uint8Array(0), spec, limits), 'RTS_ERR_BAD_IMAGE', /empty/);
    const garbage = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 131 + 7) % 256))]);
    await rejectsWith(preprocessImage(garbage, spec, limits), 'RTS_ERR_BAD_IMAGE');
    const jpeg = fixture('dog.jpg');
    await rejectsWith(preprocessImage(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), spec, limits), 'RTS_ERR_BAD_IMAGE');
    const png = await pattern(300, 300).png().toBuffer();
    await rejectsWith(preprocessImage(png.subarray(0, Math.floor(png.length / 2)), spec, limits), 'RTS_ERR_BAD_IMAGE');
  });

  it('decodes a complete JPEG with recoverable damage, as PIL does', async () => {
    const jpeg = fixture('dog.jpg');
    // 50 bytes of the entropy-coded data overwritten: libjpeg warns ("corrupt JPEG data") and goes on.
    const damaged = Buffer.concat([jpeg.subarray(0, 2000), Buffer.alloc(50, 0x11), jpeg.subarray(2050)]);
    const t = await preprocessImage(damaged, spec, limits);
    expect(t.every(Number.isFinite)).toBe(true);
  });

  it('answers 415 for anything that is not JPEG, PNG, WebP, GIF or TIFF', async () => {
    await rejectsWith(preprocessImage(Buffer.from('Hello, I am a text file.\n'), spec, limits), 'RTS_ERR_UNSUPPORTED_MEDIA_TYPE', /jpeg, png, webp, gif, tiff/);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><rect width="300" height="300" fill="red"/></svg>');
    await rejectsWith(preprocessImage(svg, spec, limits), 'RTS_ERR_UNSUPPORTED_MEDIA_TYPE');
    await rejectsWith(preprocessImage(Buffer.from('%PDF-1.4\n%âãÏÓ\n'), spec, limits), 'RTS_ERR_UNSUPPORTED_MEDIA_TYPE');
    await rejectsWith(preprocessImage(Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 89 + 3) % 256)), spec, limits), 'RTS_ERR_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('concurrency', () => {
  it('keeps the event loop free while several large images decode', async () => {
    const jpeg = await horizontalRamp(3000, 2000).jpeg({ quality: 90 }).toBuffer();
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 6 }, () => preprocessImage(jpeg, spec, limits)));
    const elapsedMs = performance.now() - started;
    histogram.disable();
    expect(results).toHaveLength(6);
    // Decoding and resizing run on libuv's threads: the longest stall of the event
    // loop is a small part of the whole (only the crop/normalise loop runs on it).
    expect(histogram.max / 1e6).toBeLessThan(Math.max(50, elapsedMs / 3));
  });
});
