import type { RowPrediction } from '../../core/capabilities.js';
import { allocate, isFixedSize, numberAt } from '../../core/datatypes.js';
import { rtsError } from '../../core/errors.js';
import { elementCount, type NumericArray, type Tensor, type TensorData } from '../../core/tensor.js';

/**
 * Tensors as rows along dimension 0: requests are concatenated into one
 * batch and the outputs split back, and `predict` answers one value per row.
 */

/** Rows of a tensor (its first dimension; a scalar is one row). */
export function rowCount(t: Pick<Tensor, 'shape'>): number {
  return t.shape.length === 0 ? 1 : t.shape[0]!;
}

/** Tensors of the same name, datatype and trailing dimensions, stacked along dimension 0. */
export function concatRows(parts: readonly Tensor[]): Tensor {
  const first = parts[0]!;
  const rows = parts.reduce((n, t) => n + rowCount(t), 0);
  const shape = [rows, ...first.shape.slice(1)];
  let data: TensorData;
  if (!isFixedSize(first.datatype)) {
    data = parts.flatMap((t) => t.data as Uint8Array[]);
  } else {
    const out = allocate(first.datatype, elementCount(shape));
    const bytes = new Uint8Array(out.buffer);
    let at = 0;
    for (const t of parts) {
      const d = t.data as NumericArray;
      bytes.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
      at += d.byteLength;
    }
    data = out;
  }
  return { name: first.name, datatype: first.datatype, shape, data };
}

/** Split a batch's output back into per-request outputs of `rows[i]` rows each. */
export function splitRows(t: Tensor, rows: readonly number[]): Tensor[] {
  const total = rows.reduce((a, b) => a + b, 0);
  if (t.shape.length === 0 || t.shape[0] !== total) {
    throw rtsError(
      'INFERENCE_FAILED',
      `output "${t.name}" has shape [${t.shape.join(',')}] for a batch of ${total} rows; its first dimension is not the batch — set batching.maxBatchSize to 1 for this model`,
    );
  }
  const rowSize = elementCount(t.shape.slice(1));
  let start = 0;
  return rows.map((n) => {
    const part: Tensor = {
      name: t.name,
      datatype: t.datatype,
      shape: [n, ...t.shape.slice(1)],
      data: t.data.slice(start * rowSize, (start + n) * rowSize) as TensorData,
    };
    start += n;
    return part;
  });
}

const UTF8 = new TextDecoder();

function element(t: Tensor, i: number): RowPrediction {
  switch (t.datatype) {
    case 'BYTES':
      return UTF8.decode((t.data as Uint8Array[])[i]);
    case 'BOOL':
      return (t.data as Uint8Array)[i] !== 0;
    case 'INT64':
    case 'UINT64': {
      const v = (t.data as BigInt64Array | BigUint64Array)[i]!;
      // Exact above 2^53 only as text, like the OIP JSON encoder keeps them exact.
      return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    }
    default: {
      const v = numberAt(t.datatype, t.data as NumericArray, i);
      return Number.isFinite(v) ? v : null;
    }
  }
}

/**
 * One value per row, as scikit-learn returns them: a label or value for
 * `[N]` (and for `[N, 1]` when `flattenSingle`: a regressor's column), a
 * list for `[N, k]`, nested lists for higher ranks.
 */
export function predictionsOf(t: Tensor, flattenSingle: boolean): RowPrediction[] {
  const rows = rowCount(t);
  const inner = t.shape.slice(1);
  const scalar = inner.length === 0 || (flattenSingle && elementCount(inner) === 1);
  const rowSize = elementCount(inner);
  const nest = (offset: number, dims: readonly number[]): RowPrediction[] => {
    const [d, ...rest] = dims;
    const size = elementCount(rest);
    return Array.from({ length: d! }, (_, i) => (rest.length === 0 ? element(t, offset + i) : nest(offset + i * size, rest)));
  };
  return Array.from({ length: rows }, (_, r) => (scalar ? element(t, r * rowSize) : nest(r * rowSize, inner)));
}
