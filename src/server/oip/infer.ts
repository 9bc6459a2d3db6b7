import { isRtsError, rtsError } from '../../core/errors.js';
import type { Model } from '../../core/model.js';
import type { Tensor } from '../../core/tensor.js';
import type { RequestTimings } from '../../core/timings.js';
import { classify } from './classification.js';
import type { InferRequest, RequestedOutput } from './request.js';
import { type EncodedResponse, encodeInferResponse, type ResponseOutput } from './response.js';

/**
 * The OIP `timeout` parameter (Triton's queue policy, REJECT): a signal that
 * fires `timeoutUs` after now with a DEADLINE_EXCEEDED reason (503 +
 * Retry-After), or when the client leaves. Models hand it to their queue,
 * which drops a request still waiting when it fires, so it never runs; a
 * request already running finishes.
 */
function queueDeadline(timeoutUs: number, clientSignal?: AbortSignal): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      rtsError('DEADLINE_EXCEEDED', `the request waited longer than its timeout (${timeoutUs} µs) before inference and was not run`, { retryAfterSeconds: 1 }),
    );
  }, timeoutUs / 1000);
  return { signal: clientSignal ? AbortSignal.any([clientSignal, controller.signal]) : controller.signal, clear: () => clearTimeout(timer) };
}

/**
 * Run a parsed request on a model and encode the answer: the requested
 * outputs (all of the model's when none are named) in the requested order,
 * classification applied where asked, binary where asked.
 */
export async function runInference(model: Model, request: InferRequest, clientSignal?: AbortSignal, timings?: RequestTimings): Promise<EncodedResponse> {
  const wanted = request.outputs?.map((o) => o.name);
  const deadline = request.timeoutMicroseconds ? queueDeadline(request.timeoutMicroseconds, clientSignal) : undefined;
  const signal = deadline?.signal ?? clientSignal;
  let tensors: Tensor[];
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
  } finally {
    deadline?.clear();
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
