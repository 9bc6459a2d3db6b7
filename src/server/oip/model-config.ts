import type { ModelMetadata } from '../../core/model.js';
import type { ModelConfig } from '../../core/model-config.js';
import type { TensorSpec } from '../../core/tensor.js';

/**
 * `GET /v2/models/{name}[/versions/{v}]/config`: the model's configuration
 * in Triton's JSON shape (model_config.proto as JSON) where rtscore's maps
 * onto it, so tools built for Triton (tritonclient's `get_model_config`,
 * perf_analyzer's batch detection) read it: `max_batch_size` 0 for a model
 * that does not batch, else the largest batch, and then tensor `dims`
 * without the batch dimension; datatypes as `TYPE_*`; the dynamic batcher's
 * delay and queue size; the version policy; `parameters` for rtscore's own
 * facts (kind, description).
 */
const TRITON_TYPES: Record<string, string> = { BYTES: 'TYPE_STRING' };

function tritonType(datatype: string): string {
  return TRITON_TYPES[datatype] ?? `TYPE_${datatype}`;
}

function tensor(spec: TensorSpec, batched: boolean, labels?: string[]) {
  // A batchable model's first dimension is the batch: Triton leaves it out of dims.
  const dims = batched && spec.shape[0] === -1 ? spec.shape.slice(1) : spec.shape;
  return {
    name: spec.name,
    data_type: tritonType(spec.datatype),
    dims: dims.length ? dims : [1],
    ...(labels ? { label_filename: `${spec.name}.labels` } : {}),
  };
}

function versionPolicy(policy: ModelConfig['versionPolicy']) {
  if ('latest' in policy) return { latest: { num_versions: policy.latest.numVersions } };
  if ('specific' in policy) return { specific: { versions: policy.specific.versions } };
  return { all: {} };
}

export function tritonModelConfig(metadata: ModelMetadata, config: ModelConfig | undefined) {
  // Triton's max_batch_size 0 means "no batch dimension"; rtscore's models always take one (-1).
  const batched = metadata.inputs.every((i) => i.shape[0] === -1);
  const batching = config?.batching;
  const parameters: Record<string, { string_value: string }> = { kind: { string_value: metadata.kind } };
  if (config?.description) parameters.description = { string_value: config.description };
  for (const [k, v] of Object.entries(metadata.properties ?? {})) parameters[k] ??= { string_value: v };
  return {
    name: metadata.name,
    platform: metadata.platform,
    backend: metadata.platform.startsWith('onnxruntime') ? 'onnxruntime' : 'rtscore',
    version_policy: versionPolicy(config?.versionPolicy ?? { latest: { numVersions: 1 } }),
    max_batch_size: batched ? metadata.maxBatchSize : 0,
    input: metadata.inputs.map((s) => tensor(s, batched)),
    output: metadata.outputs.map((s) => tensor(s, batched, metadata.labels?.[s.name])),
    ...(batching && batching.maxBatchSize > 1
      ? {
          dynamic_batching: {
            max_queue_delay_microseconds: Math.round(batching.maxQueueDelayMs * 1000),
            default_queue_policy: {
              timeout_action: 'REJECT',
              default_timeout_microseconds: 0,
              allow_timeout_override: true,
              max_queue_size: batching.maxQueueSize,
            },
          },
        }
      : {}),
    instance_group: [
      { name: metadata.name, kind: metadata.properties?.provider === 'cuda' ? 'KIND_GPU' : 'KIND_CPU', count: Number(metadata.properties?.instances ?? 1) },
    ],
    parameters,
  };
}
