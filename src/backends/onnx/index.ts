/** ONNX Runtime backend: sessions in worker threads, metadata as OIP tensor specs. */

export { type OnnxConfig, onnxConfigSchema, sessionOptionsOf } from './config.js';
export { datatypeOfOrtType, ortTypeOfDatatype } from './datatypes.js';
export { readOnnxMetadataProps } from './model-props.js';
export type { ExecutionProvider, GraphOptimizationLevel, OnnxSessionOptions } from './options.js';
export { resolveSessionOptions } from './options.js';
export { OnnxSessionPool } from './session-pool.js';
export { validateInputs, validateOutputNames } from './validate.js';
