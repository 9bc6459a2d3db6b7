import { arrayNameOf, arrayNameOfValue } from '../../core/datatypes.js';
import { rtsError } from '../../core/errors.js';
import { describeSpec, elementCount, shapeMatches, type Tensor, type TensorSpec } from '../../core/tensor.js';

/**
 * Checks run inputs against the model's metadata before they travel to a
 * worker, so that mistakes come back as 400s naming what was expected rather
 * than as ONNX Runtime's internal messages.
 */

function describeSpecs(specs: readonly TensorSpec[]): string {
  return specs.map(describeSpec).join(', ');
}

export function validateInputs(specs: readonly TensorSpec[], inputs: readonly Tensor[]): void {
  if (!Array.isArray(inputs)) {
    throw rtsError('INVALID_INPUT', `inputs must be an array of tensors; the model expects ${describeSpecs(specs)}`);
  }
  const byName = new Map(specs.map((s) => [s.name, s]));
  const seen = new Set<string>();
  for (const input of inputs) {
    const spec = byName.get(input?.name);
    if (spec === undefined) {
      throw rtsError('INVALID_INPUT', `unknown input "${String(input?.name)}"; the model's inputs are ${describeSpecs(specs)}`, {
        details: { expected: specs },
      });
    }
    if (seen.has(spec.name)) throw rtsError('INVALID_INPUT', `input "${spec.name}" is given more than once`);
    seen.add(spec.name);
    validateTensor(spec, input);
  }
  const missing = specs.filter((s) => !seen.has(s.name));
  if (missing.length > 0) {
    throw rtsError('INVALID_INPUT', `missing input${missing.length > 1 ? 's' : ''} ${describeSpecs(missing)}`, { details: { expected: specs } });
  }
}

function validateTensor(spec: TensorSpec, input: Tensor): void {
  const where = `input "${spec.name}"`;
  if (input.datatype !== spec.datatype) {
    throw rtsError('INVALID_INPUT', `${where} must be ${spec.datatype}, got ${String(input.datatype)}`, { details: { expected: spec } });
  }
  const shape = input.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw rtsError('INVALID_INPUT', `${where} needs a shape of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!shapeMatches(spec.shape, shape)) {
    throw rtsError('INVALID_INPUT', `${where} must have shape [${spec.shape.join(',')}] (-1 = any size), got [${shape.join(',')}]`, {
      details: { expected: spec },
    });
  }
  const expectedArray = arrayNameOf(spec.datatype);
  const actualArray = arrayNameOfValue(input.data);
  if (actualArray !== expectedArray) {
    throw rtsError('INVALID_INPUT', `${where} (${spec.datatype}) needs its data in a ${expectedArray}, got ${actualArray}`);
  }
  if (spec.datatype === 'BYTES' && !(input.data as unknown[]).every((v) => v instanceof Uint8Array)) {
    throw rtsError('INVALID_INPUT', `${where} (BYTES) needs an array of Uint8Array elements`);
  }
  const count = elementCount(shape);
  if (input.data.length !== count) {
    throw rtsError('INVALID_INPUT', `${where} with shape [${shape.join(',')}] needs ${count} values, got ${input.data.length}`);
  }
}

/** Requested output names must exist; returns them, or all outputs when none are asked for. */
export function validateOutputNames(specs: readonly TensorSpec[], names: readonly string[] | undefined): string[] {
  if (names === undefined || names.length === 0) return specs.map((s) => s.name);
  const known = new Set(specs.map((s) => s.name));
  for (const name of names) {
    if (!known.has(name)) {
      throw rtsError('INVALID_INPUT', `unknown output "${name}"; the model's outputs are ${describeSpecs(specs)}`);
    }
  }
  return [...new Set(names)];
}
