/**
 * Bounds on what one inference request may ask the server to allocate or
 * walk. The body size limit (`bodyLimitBytes`) already caps the bytes; these
 * cap what a small body could still claim (a shape of [1e9], JSON nested a
 * million levels deep).
 */
export interface OipLimits {
  /** Most elements in one input tensor. Default 16,777,216 (64 MiB of FP32). */
  maxElements: number;
  /** Highest tensor rank accepted (also the deepest nesting of `data`). Default 16. */
  maxRank: number;
  /** Most input tensors in one request. Default 64. */
  maxInputs: number;
  /** Longest request `id` echoed back. Default 256 characters. */
  maxIdLength: number;
}

export const defaultOipLimits: OipLimits = {
  maxElements: 16_777_216,
  maxRank: 16,
  maxInputs: 64,
  maxIdLength: 256,
};
