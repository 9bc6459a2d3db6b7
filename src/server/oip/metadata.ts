import type { ModelMetadata } from '../../core/model.js';
import type { TensorSpec } from '../../core/tensor.js';

/** Server and model metadata in the protocol's shapes. */

/** Extensions rtscore implements, as listed in the server metadata. */
export const EXTENSIONS = ['binary_tensor_data', 'classification', 'model_repository', 'statistics', 'model_configuration', 'schedule_policy'] as const;

export function serverMetadata(version: string) {
  return { name: 'rtscore', version, extensions: [...EXTENSIONS] };
}

/**
 * `$metadata_model_response`: name, the versions that may be requested,
 * platform, inputs and outputs (-1 = variable dimension, the batch dimension
 * of a batchable model), and `properties` (string facts: kind, batch size, …).
 */
export function modelMetadata(metadata: ModelMetadata, versions: readonly string[]) {
  const properties: Record<string, string> = {
    ...(metadata.properties ?? {}),
    kind: metadata.kind,
    max_batch_size: String(metadata.maxBatchSize),
  };
  if (metadata.labels) {
    for (const [output, labels] of Object.entries(metadata.labels)) properties[`labels.${output}`] = String(labels.length);
  }
  return {
    name: metadata.name,
    versions: [...versions],
    platform: metadata.platform,
    inputs: metadata.inputs.map(tensorMetadata),
    outputs: metadata.outputs.map(tensorMetadata),
    properties,
  };
}

function tensorMetadata(spec: TensorSpec) {
  return { name: spec.name, datatype: spec.datatype, shape: [...spec.shape] };
}
