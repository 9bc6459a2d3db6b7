import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { inspectImage, MAX_ASPECT_RATIO, MAX_IMAGE_SIDE } from '../../../src/tasks/vision/image-decode.js';
import { preprocessImage } from '../../../src/tasks/vision/preprocess.js';
import { parsePreprocessSpec } from '../../../src/tasks/vision/preprocess-spec.js';
import { forgedPng } from './forged-png.js';

const limits = { maxPixels: 40_000_000 };

/** Issue 11, defect 9: header dimensions are checked before any pixel is decoded. */
describe('image header budget', () => {
  it('refuses a 69-byte PNG declaring 40,000,000×1 pixels from its header alone (413)', async () => {
    const bomb = forgedPng(40_000_000, 1);
    expect(bomb.length).toBeLessThan(100);
    await expect(inspectImage(bomb, limits)).rejects.toMatchObject({ code: 'RTS_ERR_PAYLOAD_TOO_LARGE', statusCode: 413 });
    await expect(preprocessImage(bomb, parsePreprocessSpec({}), limits)).rejects.toMatchObject({ code: 'RTS_ERR_PAYLOAD_TOO_LARGE' });
  });

  it('refuses sides over MAX_IMAGE_SIDE and aspect ratios over MAX_ASPECT_RATIO, tall or wide', async () => {
    for (const [w, h] of [
      [MAX_IMAGE_SIDE + 1, 100],
      [100, MAX_IMAGE_SIDE + 1],
      [MAX_ASPECT_RATIO * 2 + 1, 2],
      [1, MAX_ASPECT_RATIO + 1],
    ] as const) {
      await expect(inspectImage(forgedPng(w, h), limits), `${w}×${h}`).rejects.toMatchObject({ code: 'RTS_ERR_PAYLOAD_TOO_LARGE' });
    }
  });

  it('still reads real elongated images within the budget', async () => {
    const tall = await sharp({ create: { width: 3, height: 1000, channels: 3, background: { r: 9, g: 99, b: 199 } } })
      .png()
      .toBuffer();
    await expect(inspectImage(tall, limits)).resolves.toMatchObject({ width: 3, height: 1000 });
    await expect(preprocessImage(tall, parsePreprocessSpec({}), limits)).resolves.toBeInstanceOf(Float32Array);
  });
});
