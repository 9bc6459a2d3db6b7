import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeAtomically } from '../../../core/atomic-write.js';
import { rtsError } from '../../../core/errors.js';
import { type ResnetOptions, resnetSummary } from './architecture.js';
import { encodeResnetModel } from './build.js';
import { writeEncoded } from './stream-encode.js';

export interface WriteResnetOptions extends ResnetOptions {
  /** Human-readable progress lines (weights generated, encoding, writing). */
  onProgress?: (msg: string) => void;
}

export interface WriteResnetResult {
  path: string;
  bytes: number;
  parameters: number;
  multiplyAdds: number;
  seconds: number;
}

/**
 * Generate a seeded ResNet and write it to `path` (parent folders created).
 * The file appears complete or not at all: it is written next to `path` and
 * renamed. Building is synchronous CPU work (ResNet-152: a few seconds); run
 * this in a worker thread where the event loop must stay responsive.
 */
export async function writeResnetModel(path: string, options: WriteResnetOptions): Promise<WriteResnetResult> {
  const started = performance.now();
  const { onProgress, ...architecture } = options;
  const summary = resnetSummary(architecture);
  const say = onProgress ?? (() => {});
  say(
    `generating ResNet-${summary.depth} weights: ${summary.parameters.toLocaleString('en-US')} parameters, ` + `${(summary.weightBytes / 1e6).toFixed(1)} MB`,
  );
  let lastDecile = 0;
  const encoded = encodeResnetModel({
    ...architecture,
    onLayer: (name, index, total) => {
      const decile = Math.floor((10 * (index + 1)) / total);
      if (decile > lastDecile && decile < 10) {
        lastDecile = decile;
        say(`generating weights: ${decile * 10}% (${name})`);
      }
    },
  });
  say(`writing ${path} (${(encoded.len / 1e6).toFixed(1)} MB)`);
  let bytes: number;
  try {
    await mkdir(dirname(path), { recursive: true });
    bytes = await writeAtomically(path, async (temporary) => {
      const file = await open(temporary, 'w');
      try {
        return await writeEncoded(encoded, file);
      } finally {
        await file.close();
      }
    });
  } catch (err) {
    throw rtsError('INTERNAL', `could not write ${path}: ${(err as Error).message}`, { cause: err });
  }
  return {
    path,
    bytes,
    parameters: summary.parameters,
    multiplyAdds: summary.multiplyAdds,
    seconds: (performance.now() - started) / 1000,
  };
}
