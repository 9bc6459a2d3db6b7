/**
 * A minimal NCHW float32 forward pass (conv, BN, ReLU, max-pool, add, global
 * average pool), used only to calibrate the generated weights' BatchNorm
 * statistics on small synthetic images while the model is built. Plain loops:
 * it runs once per build on 64×64 inputs.
 *
 * Padding is periodic (the image is a torus): a 64×64 calibration image then
 * stands for the interior of a larger one. With zero padding, deep layers
 * (4×4 and 2×2 positions here, 14×14 and 7×7 at 224) would be almost all
 * border, and the statistics measured there would be too small for 224×224
 * inputs, an error that compounds over ResNet-152's 36 blocks of layer3.
 */
import { outSize } from './architecture.js';

export interface Activation {
  data: Float32Array;
  batch: number;
  channels: number;
  height: number;
  width: number;
}

/** Index into [0, size) on a torus. */
function wrap(i: number, size: number): number {
  return i < 0 ? i + size : i >= size ? i - size : i;
}

/**
 * Convolution without bias, periodic padding, via im2col: each output
 * position gathers its C·k·k patch into a row laid out like the weights, then
 * one dot product per output channel (long contiguous loops, which V8 runs fast).
 */
export function conv2d(x: Activation, weight: Float32Array, outChannels: number, kernel: number, stride: number, pad: number): Activation {
  const { batch, channels: C, height: H, width: W } = x;
  const H2 = outSize(H, kernel, stride, pad);
  const W2 = outSize(W, kernel, stride, pad);
  const K = C * kernel * kernel;
  const P = H2 * W2;
  const out = new Float32Array(batch * outChannels * P);
  const patch = new Float32Array(K);
  for (let b = 0; b < batch; b++) {
    const xb = b * C * H * W;
    const ob = b * outChannels * P;
    for (let oy = 0; oy < H2; oy++) {
      for (let ox = 0; ox < W2; ox++) {
        let i = 0;
        for (let c = 0; c < C; c++) {
          const xc = xb + c * H * W;
          for (let ky = 0; ky < kernel; ky++) {
            const row = xc + wrap(oy * stride + ky - pad, H) * W;
            for (let kx = 0; kx < kernel; kx++, i++) patch[i] = x.data[row + wrap(ox * stride + kx - pad, W)]!;
          }
        }
        const p = oy * W2 + ox;
        for (let o = 0; o < outChannels; o++) {
          const wo = o * K;
          let s0 = 0,
            s1 = 0,
            s2 = 0,
            s3 = 0;
          let k = 0;
          for (; k + 3 < K; k += 4) {
            s0 += weight[wo + k]! * patch[k]!;
            s1 += weight[wo + k + 1]! * patch[k + 1]!;
            s2 += weight[wo + k + 2]! * patch[k + 2]!;
            s3 += weight[wo + k + 3]! * patch[k + 3]!;
          }
          for (; k < K; k++) s0 += weight[wo + k]! * patch[k]!;
          out[ob + o * P + p] = s0 + s1 + s2 + s3;
        }
      }
    }
  }
  return { data: out, batch, channels: outChannels, height: H2, width: W2 };
}

/** Per-channel mean and (population) variance over batch and positions. */
export function channelMoments(x: Activation): { mean: Float64Array; variance: Float64Array; count: number } {
  const { batch, channels, height, width } = x;
  const P = height * width;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    let s = 0;
    let ss = 0;
    for (let b = 0; b < batch; b++) {
      const off = (b * channels + c) * P;
      for (let p = 0; p < P; p++) {
        const v = x.data[off + p]!;
        s += v;
        ss += v * v;
      }
    }
    const n = batch * P;
    mean[c] = s / n;
    variance[c] = Math.max(ss / n - (s / n) ** 2, 0);
  }
  return { mean, variance, count: batch * P };
}

/** Inference-mode BatchNormalization, in place. */
export function batchNormInPlace(
  x: Activation,
  scale: Float32Array,
  bias: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  epsilon: number,
): Activation {
  const P = x.height * x.width;
  for (let b = 0; b < x.batch; b++) {
    for (let c = 0; c < x.channels; c++) {
      const a = scale[c]! / Math.sqrt(variance[c]! + epsilon);
      const shift = bias[c]! - mean[c]! * a;
      const off = (b * x.channels + c) * P;
      for (let p = 0; p < P; p++) x.data[off + p] = x.data[off + p]! * a + shift;
    }
  }
  return x;
}

export function reluInPlace(x: Activation): Activation {
  const d = x.data;
  for (let i = 0; i < d.length; i++) if (d[i]! < 0) d[i] = 0;
  return x;
}

/** a += b (same shape), in place. */
export function addInPlace(a: Activation, b: Activation): Activation {
  for (let i = 0; i < a.data.length; i++) a.data[i] = a.data[i]! + b.data[i]!;
  return a;
}

/** 3×3 max-pool, stride 2, periodic padding. */
export function maxPool3x3s2(x: Activation): Activation {
  const { batch, channels, height: H, width: W } = x;
  const H2 = outSize(H, 3, 2, 1);
  const W2 = outSize(W, 3, 2, 1);
  const out = new Float32Array(batch * channels * H2 * W2);
  for (let bc = 0; bc < batch * channels; bc++) {
    const xo = bc * H * W;
    const oo = bc * H2 * W2;
    for (let oy = 0; oy < H2; oy++) {
      for (let ox = 0; ox < W2; ox++) {
        let m = -Infinity;
        for (let ky = 0; ky < 3; ky++) {
          const row = xo + wrap(oy * 2 + ky - 1, H) * W;
          for (let kx = 0; kx < 3; kx++) m = Math.max(m, x.data[row + wrap(ox * 2 + kx - 1, W)]!);
        }
        out[oo + oy * W2 + ox] = m;
      }
    }
  }
  return { data: out, batch, channels, height: H2, width: W2 };
}

/** Global average pool: [B, C] features, as Float64Array rows. */
export function globalAveragePool(x: Activation): Float64Array {
  const P = x.height * x.width;
  const out = new Float64Array(x.batch * x.channels);
  for (let bc = 0; bc < x.batch * x.channels; bc++) {
    let s = 0;
    for (let p = 0; p < P; p++) s += x.data[bc * P + p]!;
    out[bc] = s / P;
  }
  return out;
}
