import { rtsError } from '../../core/errors.js';
import { describeSpec, type Tensor, type TensorSpec } from '../../core/tensor.js';
import { tensorDataFromJson } from '../oip/json-data.js';
import type { OipLimits } from '../oip/limits.js';
import { checkShape } from '../oip/shape.js';

/**
 * KServe V1 request rows → the model's input tensors, shaped by the model's
 * metadata (the first dimension is the rows):
 *
 *   {"instances": [[5.1, 3.5, 1.4, 0.2], …]}          one input: one row each
 *   {"instances": ["a question", …]}                  a text model: one string each
 *   {"instances": [{"a": [1, 2], "b": [3, 4, 5]}, …]} several inputs: by name
 *   {"inputs": [[…], …]}                              as instances (TF Serving's name)
 *   {"inputs": {"a": [[1, 2], …], "b": [[3, 4, 5], …]}} several inputs, columnar
 *
 * Values are checked as OIP JSON data is (json-data.ts), so a wrong type, a
 * ragged row or a value out of range is a 400 naming the input.
 */
export function instancesToTensors(body: unknown, specs: readonly TensorSpec[], limits: OipLimits): Tensor[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw rtsError('INVALID_INPUT', 'the body must be a JSON object {"instances": [...]} (or {"inputs": ...})');
  }
  const { instances, inputs } = body as { instances?: unknown; inputs?: unknown };
  if ((instances === undefined) === (inputs === undefined)) {
    throw rtsError('INVALID_INPUT', `give either "instances" (one entry per row) or "inputs"; the model takes ${specs.map(describeSpec).join(', ')}`);
  }
  const columns = columnsOf(instances ?? inputs, instances !== undefined ? 'instances' : 'inputs', specs);
  return specs.map((spec) => toTensor(spec, columns.get(spec.name)!, limits));
}

function columnsOf(value: unknown, field: string, specs: readonly TensorSpec[]): Map<string, unknown[]> {
  const expected = specs.map(describeSpec).join(', ');
  const byName = (row: unknown): row is Record<string, unknown> => typeof row === 'object' && row !== null && !Array.isArray(row);
  if (!Array.isArray(value)) {
    if (field === 'inputs' && byName(value)) {
      // Columnar: {"inputs": {"<input>": [rows…]}}.
      return new Map(
        specs.map((spec) => {
          const column = value[spec.name];
          if (!Array.isArray(column)) throw rtsError('INVALID_INPUT', `"inputs.${spec.name}" must be an array of rows; the model takes ${expected}`);
          return [spec.name, column];
        }),
      );
    }
    throw rtsError('INVALID_INPUT', `"${field}" must be an array with one entry per row; the model takes ${expected}`);
  }
  if (value.length === 0) throw rtsError('INVALID_INPUT', `"${field}" is empty; give at least one row`);
  if (specs.length === 1 && !value.every(byName)) return new Map([[specs[0]!.name, value]]);
  if (!value.every(byName)) {
    throw rtsError(
      'INVALID_INPUT',
      `the model has ${specs.length} inputs (${expected}): each entry of "${field}" must be an object {${specs.map((s) => `"${s.name}": …`).join(', ')}}`,
    );
  }
  return new Map(
    specs.map((spec) => [
      spec.name,
      value.map((row, i) => {
        if (!(spec.name in row)) throw rtsError('INVALID_INPUT', `"${field}[${i}]" has no "${spec.name}"; the model takes ${expected}`);
        return row[spec.name];
      }),
    ]),
  );
}

/** The rows' shape: [rows, …the spec's other dimensions, variable ones measured on the first row]. */
function toTensor(spec: TensorSpec, rows: unknown[], limits: OipLimits): Tensor {
  const where = `input "${spec.name}"`;
  if (rows.length === 0) throw rtsError('INVALID_INPUT', `${where}: no rows`);
  const inner = spec.shape.slice(1);
  const measured: number[] = [];
  let probe: unknown = rows[0];
  for (let d = 0; d < inner.length && Array.isArray(probe); d++) {
    measured.push(probe.length);
    probe = probe[0];
  }
  const { shape, count } = checkShape([rows.length, ...inner.map((d, i) => (d >= 0 ? d : (measured[i] ?? 1)))], where, limits);
  const data = tensorDataFromJson(rows, { datatype: spec.datatype, shape, count, where, contentType: 'str' });
  return { name: spec.name, datatype: spec.datatype, shape, data };
}
