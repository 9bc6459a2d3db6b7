/** Ranking scores: the k best of a row, for the FAQ matcher and the image classifier alike. */

export interface Ranked {
  index: number;
  score: number;
}

/**
 * The k highest scores (all of them when k ≥ their count), best first; equal
 * scores keep index order (the lower index first). NaN ranks below every
 * number. Runs in O(n log k) with a bounded min-heap, so k = 5 of 1000
 * classes does not sort the whole array. k is a count: the edge decides what
 * a request may ask for (server/params.ts).
 */
export function topK(scores: ArrayLike<number>, k: number): Ranked[] {
  const n = scores.length;
  if (!(k >= 1)) return [];
  // `worse(a, b)`: a ranks below b.
  const key = (i: number) => {
    const s = scores[i]!;
    return Number.isNaN(s) ? -Infinity : s;
  };
  const worse = (a: number, b: number) => {
    const sa = key(a),
      sb = key(b);
    return sa < sb || (sa === sb && a > b);
  };
  if (k >= n) {
    // Every score (the reference's /score asks for all): one sort, no heap. `key(b) − key(a)`
    // is NaN for two equal infinities, which falls through to index order like a tie.
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => key(b) - key(a) || a - b);
    return order.map((index) => ({ index, score: scores[index]! }));
  }
  const heap: number[] = []; // min-heap by rank: heap[0] is the worst kept
  const siftDown = (at: number) => {
    for (;;) {
      const l = 2 * at + 1,
        r = l + 1;
      let m = at;
      if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r;
      if (m === at) return;
      [heap[at], heap[m]] = [heap[m]!, heap[at]!];
      at = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (heap.length < k) {
      heap.push(i);
      for (let c = heap.length - 1; c > 0; ) {
        const p = (c - 1) >> 1;
        if (!worse(heap[c]!, heap[p]!)) break;
        [heap[c], heap[p]] = [heap[p]!, heap[c]!];
        c = p;
      }
    } else if (worse(heap[0]!, i)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0)).map((index) => ({ index, score: scores[index]! }));
}
