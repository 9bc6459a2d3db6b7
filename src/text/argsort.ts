/**
 * NumPy's default `argsort` (kind='quicksort': an introsort of indices — median-of-3
 * quicksort, insertion sort up to 16 elements, heapsort past the depth limit), ported so
 * that ties come out in exactly NumPy's order. scikit-learn picks `max_features` terms with
 * `(-tfs).argsort()[:limit]`, and this sort is not stable, so which of several equally
 * frequent terms survive the cut depends on it.
 *
 * `kind: 'heapsort'` is NumPy's `argsort(kind='heapsort')`, the introsort's fallback.
 *
 * This is NumPy's portable C implementation (numpy/core/src/npysort/quicksort.cpp),
 * used for 64-bit values by NumPy 1.x; NumPy builds that dispatch argsort to SIMD code
 * (x86-simd-sort on AVX-512 CPUs, NumPy ≥ 1.25/2.x) may order ties differently.
 */
const SMALL_QUICKSORT = 15;

export function numpyArgsort(v: ArrayLike<number>, kind: 'quicksort' | 'heapsort' = 'quicksort'): Int32Array {
  const num = v.length;
  const a = new Int32Array(num);
  for (let i = 0; i < num; i++) a[i] = i;
  if (num < 2) return a;
  if (kind === 'heapsort') {
    heapsort(v, a, 0, num);
    return a;
  }
  const swap = (i: number, j: number): void => {
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  };
  const stack: number[] = [];
  const depthStack: number[] = [];
  let pl = 0;
  let pr = num - 1;
  let cdepth = msb(num) * 2;
  for (;;) {
    if (cdepth < 0) {
      heapsort(v, a, pl, pr - pl + 1);
    } else {
      while (pr - pl > SMALL_QUICKSORT) {
        const pm = pl + ((pr - pl) >> 1);
        if (v[a[pm]!]! < v[a[pl]!]!) swap(pm, pl);
        if (v[a[pr]!]! < v[a[pm]!]!) swap(pr, pm);
        if (v[a[pm]!]! < v[a[pl]!]!) swap(pm, pl);
        const vp = v[a[pm]!]!;
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do ++pi;
          while (v[a[pi]!]! < vp);
          do --pj;
          while (vp < v[a[pj]!]!);
          if (pi >= pj) break;
          swap(pi, pj);
        }
        swap(pi, pr - 1);
        // Push the larger partition, continue with the smaller one.
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depthStack.push(--cdepth);
      }
      // Insertion sort.
      for (let pi = pl + 1; pi <= pr; pi++) {
        const vi = a[pi]!;
        const vp = v[vi]!;
        let pj = pi;
        let pk = pi - 1;
        while (pj > pl && vp < v[a[pk]!]!) a[pj--] = a[pk--]!;
        a[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    cdepth = depthStack.pop()!;
  }
  return a;
}

function msb(n: number): number {
  let depth = 0;
  while ((n = Math.floor(n / 2)) > 0) depth++;
  return depth;
}

/** NumPy's `aheapsort` on a[start .. start+n-1] (1-based heap indexing). */
function heapsort(v: ArrayLike<number>, a: Int32Array, start: number, n: number): void {
  const at = (k: number): number => a[start + k - 1]!;
  const set = (k: number, x: number): void => {
    a[start + k - 1] = x;
  };
  for (let l = n >> 1; l > 0; l--) {
    const tmp = at(l);
    let i = l;
    for (let j = l << 1; j <= n; ) {
      if (j < n && v[at(j)]! < v[at(j + 1)]!) j += 1;
      if (v[tmp]! < v[at(j)]!) {
        set(i, at(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  }
  for (; n > 1; ) {
    const tmp = at(n);
    set(n, at(1));
    n -= 1;
    let i = 1;
    for (let j = 2; j <= n; ) {
      if (j < n && v[at(j)]! < v[at(j + 1)]!) j++;
      if (v[tmp]! < v[at(j)]!) {
        set(i, at(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  }
}
