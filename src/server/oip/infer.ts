import { isRtsError, rtsError } from '../../core/errors.js';
import type { Model } from '../../core/model.js';
import type { RequestTimings } from '../../core/timings.js';
import { classify } from './classification.js';
import type { InferRequest, RequestedOutput } from './request.js';
import { encodeInferResponse, type EncodedResponse, type ResponseOutput } from './response.js';

/**
 * Run a parsed request on a model and encode the answer: the requested
 * outputs (all of the model's when none are named) in the requested order,
 * classification applied where asked, binary where asked.
 */
export async function runInference(model: Model, request: InferRequest, signal?: AbortSignal, timings?: RequestTimings): Promise<EncodedResponse> {
  const wanted = request.outputs?.map((o) => o.name);
  let tensors;
  try {
    tensors = await model.infer(request.inputs, {
      ...(signal ? { signal } : {}),
      ...(timings ? { timings } : {}),
      ...(wanted ? { outputs: wanted } : {}),
      parameters: request.parameters,
    });
  } catch (err) {
    // Tensors have no media type: undecodable BYTES (e.g. not an image) are invalid input here.
    if (isRtsError(err) && err.statusCode === 415) throw rtsError('INVALID_INPUT', err.message, { cause: err });
    throw err;
  }
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const chosen: RequestedOutput[] = request.outputs ?? tensors.map((t) => ({ name: t.name }));
  const outputs: ResponseOutput[] = chosen.map((o) => {
    const tensor = byName.get(o.name);
    if (!tensor) throw rtsError('INFERENCE_FAILED', `model "${model.name}" returned no output "${o.name}"`);
    return {
      tensor: o.classification !== undefined ? classify(tensor, o.classification, model.metadata.labels?.[o.name]) : tensor,
      binary: o.binary ?? request.binaryOutput,
    };
  });
  return encodeInferResponse({
    modelName: model.name,
    modelVersion: model.version,
    ...(request.id !== undefined ? { id: request.id } : {}),
    outputs,
  });
}
