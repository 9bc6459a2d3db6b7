import { numberAt } from '../../core/datatypes.js';
import { rtsError } from '../../core/errors.js';
import { topK } from '../../core/rank.js';
import type { NumericArray, Tensor } from '../../core/tensor.js';

/**
 * The classification extension: a score output of shape [..., classes]
 * becomes a BYTES tensor of shape [..., k] whose elements read
 * `"<score>:<index>"` or `"<score>:<index>:<label>"`, best first (ties: lower
 * index first). k is capped at the number of classes.
 */
export function classify(tensor: Tensor, k: number, labels?: readonly string[]): Tensor {
  if (tensor.datatype === 'BYTES' || tensor.datatype === 'BOOL') {
    throw rtsError('INVALID_INPUT', `output "${tensor.name}" is ${tensor.datatype}; classification needs a numeric output`);
  }
  const classes = tensor.shape.length === 0 ? 1 : tensor.shape[tensor.shape.length - 1]!;
  const rows = classes === 0 ? 0 : tensor.data.length / classes;
  const top = Math.min(k, classes);
  const scores = toNumbers(tensor.data as NumericArray, tensor.datatype);
  const text = tensor.datatype === 'FP32' ? shortestFloat32 : String;
  const encoder = new TextEncoder();
  const out: Uint8Array[] = [];
  for (let r = 0; r < rows; r++) {
    // The same ranking as every model's topK: best first, ties lower index first, NaN last.
    for (const { index: c, score } of topK(scores.slice(r * classes, (r + 1) * classes), top)) {
      const label = labels?.[c];
      out.push(encoder.encode(`${text(score)}:${c}${label !== undefined ? `:${label}` : ''}`));
    }
  }
  const lead = tensor.shape.length === 0 ? [] : tensor.shape.slice(0, -1);
  return { name: tensor.name, datatype: 'BYTES', shape: [...lead, top], data: out };
}

function toNumbers(data: NumericArray, datatype: Tensor['datatype']): number[] {
  return Array.from({ length: data.length }, (_, i) => numberAt(datatype, data, i));
}

/** The shortest decimal that reads back as the same float32 (0.1f → "0.1", not "0.10000000149011612"). */
export function shortestFloat32(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  for (let digits = 1; digits <= 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(value);
}
