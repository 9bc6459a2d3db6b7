/**
 * Compares rtscore's preprocessing with torchvision's on a folder of images
 * (see reference.py next to this file). Prints, per image, the largest and the
 * mean absolute difference per value (and in 0…255 grey levels) and the time
 * preprocessImage took. Not part of the test suite.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { preprocessImage } from '../../../../src/tasks/vision/preprocess.js';
import { parsePreprocessSpec } from '../../../../src/tasks/vision/preprocess-spec.js';

const [imagesDir, refDir] = process.argv.slice(2);
if (!imagesDir || !refDir) throw new Error('usage: compare.ts IMAGES_DIR REFERENCE_DIR');
const spec = parsePreprocessSpec({});
const plane = spec.crop * spec.crop;
let worst = 0,
  sum = 0,
  count = 0;
for (const name of readdirSync(imagesDir).sort()) {
  const ref = new Float32Array(new Uint8Array(readFileSync(join(refDir, `${name}.f32`))).buffer);
  const bytes = readFileSync(join(imagesDir, name));
  const started = performance.now();
  const got = await preprocessImage(bytes, spec, { maxPixels: 40_000_000 });
  const ms = performance.now() - started;
  let max = 0,
    maxLevels = 0,
    total = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ref[i]! - got[i]!);
    total += d;
    if (d > max) max = d;
    maxLevels = Math.max(maxLevels, d * spec.std[Math.floor(i / plane)]! * 255);
  }
  worst = Math.max(worst, max);
  sum += total;
  count += ref.length;
  console.log(`${name.padEnd(16)} max ${max.toFixed(4)} (${maxLevels.toFixed(2)} levels)  mean ${(total / ref.length).toFixed(5)}  ${ms.toFixed(1)} ms`);
}
console.log(`all: max ${worst.toFixed(4)}  mean ${(sum / count).toFixed(5)}`);
