import type { Activation } from './forward.js';
import type { SeededRandom } from './random.js';

/**
 * Synthetic "photos" for calibrating BatchNorm statistics: smooth colour
 * fields with detail at several scales, correlated across RGB like natural
 * images, then normalised per channel to mean 0 / std 1 (what ImageNet
 * normalisation gives real photos, roughly). Real images are spatially
 * smooth, and that changes the statistics (max-pool, 3×3 convs) a lot
 * compared with white noise.
 */
export function calibrationImages(random: SeededRandom, batch: number, size: number): Activation {
  const data = new Float32Array(batch * 3 * size * size);
  const plane = size * size;
  for (let b = 0; b < batch; b++) {
    // Detail at 1/8, 1/2 and full resolution, weighted like a 1/f spectrum.
    const layers: [number, number][] = [
      [Math.max(2, size >> 3), 1],
      [Math.max(2, size >> 1), 0.35],
      [size, 0.12],
    ];
    for (const [grid, weight] of layers) {
      const luminance = noiseField(random, grid, size);
      for (let c = 0; c < 3; c++) {
        const chroma = noiseField(random, grid, size);
        const off = (b * 3 + c) * plane;
        for (let p = 0; p < plane; p++) data[off + p] = data[off + p]! + weight * (0.8 * luminance[p]! + 0.45 * chroma[p]!);
      }
    }
  }
  // Normalise each channel over the batch.
  for (let c = 0; c < 3; c++) {
    let s = 0;
    let ss = 0;
    for (let b = 0; b < batch; b++) {
      const off = (b * 3 + c) * plane;
      for (let p = 0; p < plane; p++) {
        s += data[off + p]!;
        ss += data[off + p]! ** 2;
      }
    }
    const n = batch * plane;
    const mean = s / n;
    const std = Math.sqrt(Math.max(ss / n - mean * mean, 1e-12));
    for (let b = 0; b < batch; b++) {
      const off = (b * 3 + c) * plane;
      for (let p = 0; p < plane; p++) data[off + p] = (data[off + p]! - mean) / std;
    }
  }
  return { data, batch, channels: 3, height: size, width: size };
}

/** Gaussian noise on a periodic grid×grid lattice, bilinearly upsampled to size×size (tileable, like the forward pass's padding). */
function noiseField(random: SeededRandom, grid: number, size: number): Float32Array {
  const lattice = new Float32Array(grid * grid);
  for (let i = 0; i < lattice.length; i++) lattice[i] = random.normal();
  if (grid === size) return lattice;
  const out = new Float32Array(size * size);
  const scale = grid / size;
  for (let y = 0; y < size; y++) {
    const gy = y * scale;
    const y0 = Math.floor(gy);
    const y1 = (y0 + 1) % grid;
    const fy = gy - y0;
    for (let x = 0; x < size; x++) {
      const gx = x * scale;
      const x0 = Math.floor(gx);
      const x1 = (x0 + 1) % grid;
      const fx = gx - x0;
      const a = lattice[y0 * grid + x0]!;
      const b = lattice[y0 * grid + x1]!;
      const c = lattice[y1 * grid + x0]!;
      const d = lattice[y1 * grid + x1]!;
      out[y * size + x] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
    }
  }
  return out;
}
