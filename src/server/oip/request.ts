import { bytesPerElement } from '../../core/datatypes.js';
import { rtsError } from '../../core/errors.js';
import type { ModelMetadata } from '../../core/model.js';
import { quote } from '../../core/quote.js';
import { type Datatype, describeSpec, isDatatype, type Tensor, type TensorSpec } from '../../core/tensor.js';
import { decodeBinaryTensor } from './binary.js';
import { tensorDataFromJson } from './json-data.js';
import type { OipLimits } from './limits.js';
import { checkShape, fitShape, formatShape } from './shape.js';

/**
 * An OIP inference request (JSON header, optional binary section) → checked
 * tensors for `Model.infer`, with every mistake reported as a 400 that says
 * what the model expects. Inputs are checked against the model's metadata:
 * the name is one of its inputs, the datatype is equal, the rank is equal
 * (up to trailing 1s, see `fitShape`) and fixed dimensions are equal. Which
 * inputs must be present together is the model's business (an image model
 * takes either encoded images or a preprocessed tensor).
 */
export type OipParameters = Record<string, string | number | boolean>;

export interface RequestedOutput {
  name: string;
  /** `parameters.binary_data`; undefined = follow the request's `binary_data_output`. */
  binary?: boolean;
  /** `parameters.classification`: return the top k classes instead of the tensor. */
  classification?: number;
}

export interface InferRequest {
  id?: string;
  parameters: OipParameters;
  inputs: Tensor[];
  /** Requested outputs; undefined = every output with default settings. */
  outputs?: RequestedOutput[];
  /** `parameters.binary_data_output`: outputs come back binary unless one says otherwise. */
  binaryOutput: boolean;
  /** `parameters.timeout` (Triton, µs): how long the request may wait before inference starts; absent or 0 = no limit. */
  timeoutMicroseconds?: number;
}

/** Parameters of the extensions, which never reach the model as such. */
const EXTENSION_PARAMETERS = new Set(['binary_data_output', 'binary_data_size', 'binary_data', 'timeout']);

/** Longest `timeout` accepted: one hour, in µs. */
const MAX_TIMEOUT_MICROSECONDS = 3_600_000_000;

/**
 * Parse a JSON request. `binary` is the body after the JSON header when the
 * request used `Inference-Header-Content-Length`, undefined otherwise.
 */
export function parseInferRequest(json: unknown, binary: Uint8Array | undefined, metadata: ModelMetadata, limits: OipLimits): InferRequest {
  const body = asObject(json, 'the inference request');
  let id: string | undefined;
  if (body.id !== undefined) {
    if (typeof body.id !== 'string') throw rtsError('INVALID_INPUT', `"id" must be a string, got ${quote(body.id)}`);
    if (body.id.length > limits.maxIdLength)
      throw rtsError('INVALID_INPUT', `"id" is ${body.id.length} characters; at most ${limits.maxIdLength} are accepted`);
    id = body.id;
  }
  const parameters = parseParameters(body.parameters, 'parameters');
  const binaryOutput = optionalBoolean(parameters.binary_data_output, 'parameters.binary_data_output') ?? false;
  const timeout = parameters.timeout;
  if (timeout !== undefined && !(typeof timeout === 'number' && Number.isInteger(timeout) && timeout >= 0 && timeout <= MAX_TIMEOUT_MICROSECONDS)) {
    throw rtsError(
      'INVALID_INPUT',
      `parameters.timeout must be a whole number of microseconds from 0 to ${MAX_TIMEOUT_MICROSECONDS}, got ${JSON.stringify(timeout)}`,
    );
  }
  const inputs = parseInputs(body.inputs, binary, metadata.inputs, limits);
  // An empty list asks for nothing in particular: every output, as when absent.
  const outputs =
    body.outputs === undefined || (Array.isArray(body.outputs) && body.outputs.length === 0) ? undefined : parseOutputs(body.outputs, metadata.outputs);
  return {
    ...(id !== undefined ? { id } : {}),
    parameters: withoutExtensionParameters(parameters),
    inputs,
    ...(outputs ? { outputs } : {}),
    binaryOutput,
    ...(timeout ? { timeoutMicroseconds: timeout } : {}),
  };
}

interface InputHeader {
  name: string;
  spec: TensorSpec;
  /** The shape as sent (messages, nesting depth of `data`). */
  requestShape: number[];
  /** The shape fitted to the model's spec (what the model gets). */
  shape: number[];
  count: number;
  parameters: OipParameters;
  where: string;
  binarySize?: number;
  data?: unknown;
}

function parseInputs(value: unknown, binary: Uint8Array | undefined, specs: readonly TensorSpec[], limits: OipLimits): Tensor[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw rtsError('INVALID_INPUT', `"inputs" must be a non-empty array; the model's inputs are ${specs.map(describeSpec).join(', ')}`);
  }
  if (value.length > limits.maxInputs) throw rtsError('INVALID_INPUT', `at most ${limits.maxInputs} inputs per request (got ${value.length})`);
  const byName = new Map(specs.map((s) => [s.name, s]));
  const seen = new Set<string>();
  const headers: InputHeader[] = [];
  value.forEach((raw, i) => {
    const input = asObject(raw, `inputs[${i}]`);
    if (typeof input.name !== 'string' || input.name === '') throw rtsError('INVALID_INPUT', `inputs[${i}] needs a "name" (string)`);
    const name = input.name;
    const where = `input "${name}"`;
    const spec = byName.get(name);
    if (!spec) throw rtsError('INVALID_INPUT', `unknown input ${quote(name)}; the model's inputs are ${specs.map(describeSpec).join(', ')}`);
    if (seen.has(name)) throw rtsError('INVALID_INPUT', `input "${name}" is given more than once`);
    seen.add(name);
    if (!isDatatype(input.datatype)) {
      throw rtsError(
        'INVALID_INPUT',
        `${where}: "datatype" must be one of BOOL, UINT8…UINT64, INT8…INT64, FP16, FP32, FP64, BF16, BYTES; got ${quote(input.datatype)}`,
      );
    }
    if (input.datatype !== spec.datatype) {
      throw rtsError('INVALID_INPUT', `${where} must be ${spec.datatype}, got ${input.datatype} (the model expects ${describeSpec(spec)})`);
    }
    const checked = checkShape(input.shape, where, limits);
    const shape = fitShape(spec.shape, checked.shape);
    if (!shape) {
      throw rtsError('INVALID_INPUT', `${where} must have shape ${formatShape(spec.shape)} (-1 = any size), got ${formatShape(checked.shape)}`);
    }
    const parameters = parseParameters(input.parameters, `${where} parameters`);
    const header: InputHeader = { name, spec, requestShape: checked.shape, shape, count: checked.count, parameters, where };
    if (parameters.binary_data_size !== undefined) {
      const size = parameters.binary_data_size;
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
        throw rtsError('INVALID_INPUT', `${where}: parameters.binary_data_size must be a non-negative integer, got ${quote(size)}`);
      }
      if (input.data !== undefined) throw rtsError('INVALID_INPUT', `${where} has both "data" and parameters.binary_data_size; send one`);
      if (binary === undefined) {
        throw rtsError(
          'INVALID_INPUT',
          `${where} has parameters.binary_data_size but the request has no Inference-Header-Content-Length header giving the JSON part's length`,
        );
      }
      header.binarySize = size;
    } else {
      if (input.data === undefined) throw rtsError('INVALID_INPUT', `${where} has no "data" (nor parameters.binary_data_size)`);
      header.data = input.data;
    }
    headers.push(header);
  });

  // Sizes add up before anything is decoded.
  if (binary !== undefined) {
    const claimed = headers.reduce((sum, h) => sum + (h.binarySize ?? 0), 0);
    if (claimed !== binary.length) {
      throw rtsError('INVALID_INPUT', `the binary part of the body is ${binary.length} bytes, but the inputs' binary_data_size add up to ${claimed}`);
    }
  }

  let offset = 0;
  return headers.map((h) => {
    let data: Tensor['data'];
    if (h.binarySize !== undefined) {
      data = decodeBinaryTensor(h.spec.datatype, h.requestShape, h.count, binary!.subarray(offset, offset + h.binarySize), h.where);
      offset += h.binarySize;
    } else {
      const contentType = h.parameters.content_type;
      if (contentType !== undefined && typeof contentType !== 'string') {
        throw rtsError('INVALID_INPUT', `${h.where}: parameters.content_type must be a string`);
      }
      data = tensorDataFromJson(h.data, {
        datatype: h.spec.datatype,
        shape: h.requestShape,
        count: h.count,
        where: h.where,
        ...(contentType !== undefined ? { contentType } : {}),
      });
    }
    const parameters = withoutExtensionParameters(h.parameters);
    return { name: h.name, datatype: h.spec.datatype, shape: h.shape, data, ...(Object.keys(parameters).length ? { parameters } : {}) };
  });
}

function parseOutputs(value: unknown, specs: readonly TensorSpec[]): RequestedOutput[] {
  if (!Array.isArray(value)) throw rtsError('INVALID_INPUT', '"outputs" must be an array of {"name": …}');
  const byName = new Map(specs.map((s) => [s.name, s]));
  const seen = new Set<string>();
  return value.map((raw, i) => {
    const output = asObject(raw, `outputs[${i}]`);
    if (typeof output.name !== 'string' || output.name === '') throw rtsError('INVALID_INPUT', `outputs[${i}] needs a "name" (string)`);
    const name = output.name;
    const spec = byName.get(name);
    if (!spec) throw rtsError('INVALID_INPUT', `unknown output ${quote(name)}; the model's outputs are ${specs.map(describeSpec).join(', ')}`);
    if (seen.has(name)) throw rtsError('INVALID_INPUT', `output "${name}" is requested more than once`);
    seen.add(name);
    const parameters = parseParameters(output.parameters, `output "${name}" parameters`);
    const requested: RequestedOutput = { name };
    const binary = optionalBoolean(parameters.binary_data, `output "${name}": parameters.binary_data`);
    if (binary !== undefined) requested.binary = binary;
    if (parameters.classification !== undefined) {
      const k = parameters.classification;
      if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1) {
        throw rtsError('INVALID_INPUT', `output "${name}": parameters.classification must be a positive integer, got ${quote(k)}`);
      }
      if (!isScore(spec.datatype)) {
        throw rtsError('INVALID_INPUT', `output "${name}" is ${spec.datatype}; classification needs a numeric output`);
      }
      requested.classification = k;
    }
    return requested;
  });
}

/**
 * Raw binary mode (`Inference-Header-Content-Length: 0`): the whole body is
 * the data of one input, treated as batch 1, and every output comes back binary.
 * The input is the model's only input or, for a model with several, its BYTES
 * input named `image` (so an encoded image can be posted as is). A BYTES input
 * gets the body as its single element (no length prefix); a fixed-size input
 * may have at most one variable dimension, deduced from the body's size.
 */
export function parseRawRequest(body: Uint8Array, metadata: ModelMetadata, limits: OipLimits): InferRequest {
  const specs = metadata.inputs;
  const spec = specs.length === 1 ? specs[0] : specs.find((s) => s.name === 'image' && s.datatype === 'BYTES');
  if (!spec) {
    throw rtsError(
      'INVALID_INPUT',
      `a raw binary request (Inference-Header-Content-Length: 0) needs a model with one input or a BYTES input named "image"; this model's inputs are ${specs.map(describeSpec).join(', ')}`,
    );
  }
  const where = `input "${spec.name}"`;
  if (spec.datatype === 'BYTES') {
    const shape = spec.shape.map((d) => (d === -1 ? 1 : d));
    if (shape.some((d) => d !== 1)) {
      throw rtsError('INVALID_INPUT', `${where} has shape ${formatShape(spec.shape)}; a raw binary request can only carry one BYTES element`);
    }
    return { parameters: {}, inputs: [{ name: spec.name, datatype: 'BYTES', shape, data: [body] }], binaryOutput: true };
  }
  const width = bytesPerElement(spec.datatype as Exclude<Datatype, 'BYTES'>);
  const variable = spec.shape.filter((d) => d === -1).length;
  const fixed = spec.shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (variable > 1) {
    throw rtsError('INVALID_INPUT', `${where} has shape ${formatShape(spec.shape)}; a raw binary request needs at most one variable dimension`);
  }
  const unit = fixed * width;
  if (unit === 0 || body.length % unit !== 0 || (variable === 0 && body.length !== unit)) {
    throw rtsError(
      'INVALID_INPUT',
      `${where} ${spec.datatype} ${formatShape(spec.shape)} needs ${variable ? `a multiple of ${unit}` : unit} bytes; the body has ${body.length}`,
    );
  }
  const shape = spec.shape.map((d) => (d === -1 ? body.length / unit : d));
  const { count } = checkShape(shape, where, limits);
  const data = decodeBinaryTensor(spec.datatype, shape, count, body, where);
  return { parameters: {}, inputs: [{ name: spec.name, datatype: spec.datatype, shape, data }], binaryOutput: true };
}

/** `parameters`: an object of strings, numbers and booleans. */
export function parseParameters(value: unknown, where: string): OipParameters {
  if (value === undefined || value === null) return {};
  const object = asObject(value, where);
  const entries = Object.entries(object);
  for (const [key, v] of entries) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw rtsError('INVALID_INPUT', `${where}.${key} must be a string, number or boolean`);
    }
  }
  // fromEntries defines own properties: a "__proto__" key stays a plain key.
  return Object.fromEntries(entries) as OipParameters;
}

function withoutExtensionParameters(parameters: OipParameters): OipParameters {
  return Object.fromEntries(Object.entries(parameters).filter(([k]) => !EXTENSION_PARAMETERS.has(k)));
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw rtsError('INVALID_INPUT', `${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function optionalBoolean(value: unknown, what: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw rtsError('INVALID_INPUT', `${what} must be true or false, got ${quote(value)}`);
  return value;
}

function isScore(datatype: Datatype): boolean {
  return datatype !== 'BYTES' && datatype !== 'BOOL';
}
