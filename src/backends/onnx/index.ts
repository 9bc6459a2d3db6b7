/** ONNX Runtime backend: sessions in worker threads, metadata as OIP tensor specs. */
export { OnnxSessionPool } from './session-pool.js';
export { readOnnxMetadataProps } from './model-props.js';
export type { OnnxSessionOptions, ExecutionProvider, GraphOptimizationLevel } from './options.js';
export { resolveSessionOptions } from './options.js';
export { validateInputs, validateOutputNames } from './validate.js';
export { datatypeOfOrtType, ortTypeOfDatatype } from './datatypes.js';
export { onnxConfigSchema, sessionOptionsOf, type OnnxConfig } from './config.js';
