import { describe, expect, it } from 'vitest';
import { LbfgsHistory, minimizeLbfgs } from '../../src/text/lbfgs.js';
import { moreThuente } from '../../src/text/line-search.js';

/** Extended Rosenbrock function (pairs of coordinates), minimum 0 at all ones. */
function rosenbrock(x: Float64Array, g: Float64Array): number {
  let f = 0;
  for (let i = 0; i < x.length; i += 2) {
    const a = x[i]!;
    const b = x[i + 1]!;
    const t1 = 1 - a;
    const t2 = 10 * (b - a * a);
    f += t1 * t1 + t2 * t2;
    g[i] = -2 * t1 - 40 * a * t2;
    g[i + 1] = 20 * t2;
  }
  return f;
}

describe('minimizeLbfgs', () => {
  it('minimises the extended Rosenbrock function', () => {
    const x0 = Float64Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const res = minimizeLbfgs(rosenbrock, x0, { gtol: 1e-8, ftol: 0, maxIter: 500 });
    expect(res.converged).toBe(true);
    expect(res.reason).toBe('gtol');
    expect(res.nIter).toBeLessThan(200);
    for (const v of res.x) expect(v).toBeCloseTo(1, 6);
    expect(res.f).toBeLessThan(1e-12);
    expect(Array.from(x0)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? -1.2 : 1)));
  });

  it('solves an ill-conditioned quadratic', () => {
    // f = ½ Σ c_i (x_i − 1)², condition number 1e3 (SciPy's L-BFGS-B needs 329 iterations)
    const n = 50;
    const c = Float64Array.from({ length: n }, (_, i) => 10 ** ((3 * i) / (n - 1)));
    const fg = (x: Float64Array, g: Float64Array): number => {
      let f = 0;
      for (let i = 0; i < n; i++) {
        const r = x[i]! - 1;
        f += 0.5 * c[i]! * r * r;
        g[i] = c[i]! * r;
      }
      return f;
    };
    const res = minimizeLbfgs(fg, new Float64Array(n), { gtol: 1e-8, ftol: 0, maxIter: 1000 });
    expect(res.converged).toBe(true);
    for (const v of res.x) expect(v).toBeCloseTo(1, 7);
  });

  it('stops at maxIter, and at once when already optimal', () => {
    const x0 = Float64Array.from([-1.2, 1]);
    const res = minimizeLbfgs(rosenbrock, x0, { maxIter: 3 });
    expect(res).toMatchObject({ nIter: 3, converged: false, reason: 'maxIter' });
    const done = minimizeLbfgs(rosenbrock, Float64Array.from([1, 1]));
    expect(done).toMatchObject({ nIter: 0, converged: true, reason: 'gtol', nEval: 1 });
    expect(() => minimizeLbfgs(() => Number.NaN, x0)).toThrow(/not finite/);
  });
});

describe('moreThuente line search', () => {
  it('returns a step satisfying the strong Wolfe conditions', () => {
    // φ(t) = f(x + t d) for f = Rosenbrock at (-1.2, 1) along the steepest descent direction.
    const x = Float64Array.from([-1.2, 1]);
    const g = new Float64Array(2);
    const f0 = rosenbrock(x, g);
    const d = Float64Array.from([-g[0]!, -g[1]!]);
    const g0 = -(g[0]! ** 2 + g[1]! ** 2);
    let evaluated = 0;
    const phi = (t: number): [number, number] => {
      const xt = Float64Array.from([x[0]! + t * d[0]!, x[1]! + t * d[1]!]);
      const gt = new Float64Array(2);
      const f = rosenbrock(xt, gt);
      evaluated = t;
      return [f, gt[0]! * d[0]! + gt[1]! * d[1]!];
    };
    for (const stp0 of [1, 1e-4, 10]) {
      const r = moreThuente(phi, f0, g0, stp0);
      expect(r.ok).toBe(true);
      expect(r.stp).toBe(evaluated); // the caller's trial point is the returned one
      const [f, dg] = phi(r.stp);
      expect(f).toBeLessThanOrEqual(f0 + 1e-3 * r.stp * g0);
      expect(Math.abs(dg)).toBeLessThanOrEqual(0.9 * Math.abs(g0));
    }
  });

  it('backs off from steps where the function overflows', () => {
    const phi = (t: number): [number, number] => (t > 2 ? [Infinity, Infinity] : [(t - 1) ** 2, 2 * (t - 1)]);
    const r = moreThuente(phi, 1, -2, 100);
    expect(r.ok).toBe(true);
    expect(r.stp).toBeLessThanOrEqual(2);
  });
});

describe('LbfgsHistory', () => {
  /** The textbook two-loop recursion, in float64, over the same (float32-rounded) pairs. */
  function twoLoop(pairs: Array<[Float64Array, Float64Array]>, g: Float64Array): Float64Array {
    const q = Float64Array.from(g);
    const alpha: number[] = [];
    const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
    for (let k = pairs.length - 1; k >= 0; k--) {
      const [s, y] = pairs[k]!;
      alpha[k] = dot(s, q) / dot(y, s);
      q.forEach((v, i) => (q[i] = v - alpha[k]! * y[i]!));
    }
    const [sn, yn] = pairs.at(-1)!;
    const gamma = dot(sn, yn) / dot(yn, yn);
    q.forEach((v, i) => (q[i] = gamma * v));
    for (let k = 0; k < pairs.length; k++) {
      const [s, y] = pairs[k]!;
      const beta = dot(y, q) / dot(y, s);
      q.forEach((v, i) => (q[i] = v + (alpha[k]! - beta) * s[i]!));
    }
    return q.map((v) => -v);
  }

  it('applies the same matrix as the two-loop recursion', () => {
    let seed = 5;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
    const n = 5000; // more than one block
    const m = 4;
    const h = new LbfgsHistory(n, m);
    const kept: Array<[Float64Array, Float64Array]> = [];
    const zero = new Float64Array(n);
    for (let step = 0; step < 9; step++) {
      const s = Float64Array.from({ length: n }, rnd);
      // y = A s for a fixed positive diagonal A, so sᵀy > 0.
      const y = Float64Array.from(s, (v, i) => v * (1 + (i % 7)) + 0.01 * rnd());
      if (step === 4) {
        // A pair with sᵀy < 0 is refused and leaves the history untouched.
        expect(
          h.push(
            s,
            zero,
            s.map((v) => -v),
            zero,
          ),
        ).toBe(false);
        continue;
      }
      expect(h.push(s, zero, y, zero)).toBe(true);
      kept.push([s.map(Math.fround), y.map(Math.fround)]);
      if (kept.length > m) kept.shift();
      // Skip a direction now and then: two pushes in a row must also be handled.
      if (step % 3 === 1) continue;
      const g = Float64Array.from({ length: n }, rnd);
      const d = new Float64Array(n);
      const dg = h.direction(g, d);
      const ref = twoLoop(kept, g);
      let err = 0;
      let scale = 0;
      for (let i = 0; i < n; i++) {
        err = Math.max(err, Math.abs(d[i]! - ref[i]!));
        scale = Math.max(scale, Math.abs(ref[i]!));
      }
      expect(err / scale).toBeLessThan(1e-10);
      expect(dg).toBeLessThan(0);
    }
    expect(h.size).toBe(m);
    h.clear();
    const g = Float64Array.from({ length: n }, rnd);
    const d = new Float64Array(n);
    h.direction(g, d);
    expect(Array.from(d)).toEqual(Array.from(g, (v) => -v));
  });
});
