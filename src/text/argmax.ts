/** Index of the largest value of each row of a row-major rows × width array (lowest index on ties). */
export function argmaxRows(values: ArrayLike<number>, rows: number, width: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const o = i * width;
    let best = 0;
    for (let k = 1; k < width; k++) if (values[o + k]! > values[o + best]!) best = k;
    out[i] = best;
  }
  return out;
}
