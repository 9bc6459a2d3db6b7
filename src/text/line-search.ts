/**
 * The Moré–Thuente line search (J. J. Moré and D. J. Thuente, "Line search algorithms with
 * guaranteed sufficient decrease", ACM TOMS 20, 1994), as MINPACK-2's `dcsrch`/`dcstep`
 * implement it and SciPy's L-BFGS-B calls it: a safeguarded cubic/quadratic interpolation
 * that brackets a step satisfying the strong Wolfe conditions.
 */

export interface LineSearchResult {
  /** Whether the strong Wolfe conditions hold at the returned step. */
  ok: boolean;
  stp: number;
  f: number;
  nEval: number;
}

/**
 * Moré–Thuente line search (MINPACK-2 `dcsrch`) along a descent direction: finds a step
 * satisfying f(stp) ≤ f0 + ftol·stp·g0 and |g(stp)| ≤ gtol·|g0|. `phi(stp)` returns
 * [f, directional derivative] and must leave the caller's trial point at stp: the
 * returned step is always the last one evaluated.
 */
export function moreThuente(
  phi: (stp: number) => [number, number],
  f0: number,
  g0: number,
  stp0: number,
  maxEval = 20,
  ftol = 1e-3,
  gtol = 0.9,
  xtol = 0.1,
  stpmin = 0,
  stpmax = 1e10,
): LineSearchResult {
  const xtrapl = 1.1;
  const xtrapu = 4.0;
  let stp = stp0;
  let brackt = false;
  let stage = 1;
  const gtest = ftol * g0;
  let width = stpmax - stpmin;
  let width1 = width / 0.5;
  const st = { stx: 0, fx: f0, gx: g0, sty: 0, fy: f0, gy: g0, stp: 0, brackt: false };
  let stmin = 0;
  let stmax = stp + xtrapu * stp;
  let f = f0;
  let nEval = 0;
  let cap = Infinity;
  while (nEval < maxEval) {
    let g: number;
    [f, g] = phi(stp);
    nEval++;
    if (!Number.isFinite(f) || !Number.isFinite(g)) {
      // Overflow far along the line: never go this far again, halve towards the best point.
      cap = 0.999 * stp;
      stp = st.stx + 0.5 * (stp - st.stx);
      continue;
    }
    const ftest = f0 + stp * gtest;
    if (stage === 1 && f <= ftest && g >= 0) stage = 2;
    // Tests for warnings: no further progress possible.
    if (brackt && (stp <= stmin || stp >= stmax)) break;
    if (brackt && stmax - stmin <= xtol * stmax) break;
    if (stp === stpmax && f <= ftest && g <= gtest) break;
    if (stp === stpmin && (f > ftest || g >= gtest)) break;
    // Convergence: strong Wolfe conditions.
    if (f <= ftest && Math.abs(g) <= gtol * -g0) return { ok: true, stp, f, nEval };

    st.stp = stp;
    st.brackt = brackt;
    if (stage === 1 && f <= st.fx && f > ftest) {
      // Use the modified function ψ(stp) = f(stp) − f0 − stp·gtest while in stage 1.
      const fm = f - stp * gtest;
      const fxm = st.fx - st.stx * gtest;
      const fym = st.fy - st.sty * gtest;
      const gm = g - gtest;
      const gxm = st.gx - gtest;
      const gym = st.gy - gtest;
      const s2 = { ...st, fx: fxm, gx: gxm, fy: fym, gy: gym };
      dcstep(s2, fm, gm, stmin, stmax);
      st.stx = s2.stx;
      st.sty = s2.sty;
      st.stp = s2.stp;
      st.brackt = s2.brackt;
      st.fx = s2.fx + st.stx * gtest;
      st.fy = s2.fy + st.sty * gtest;
      st.gx = s2.gx + gtest;
      st.gy = s2.gy + gtest;
    } else {
      dcstep(st, f, g, stmin, stmax);
    }
    brackt = st.brackt;
    stp = st.stp;
    // Bisect when the interval does not shrink fast enough.
    if (brackt) {
      if (Math.abs(st.sty - st.stx) >= 0.66 * width1) stp = st.stx + 0.5 * (st.sty - st.stx);
      width1 = width;
      width = Math.abs(st.sty - st.stx);
    }
    if (brackt) {
      stmin = Math.min(st.stx, st.sty);
      stmax = Math.max(st.stx, st.sty);
    } else {
      stmin = stp + xtrapl * (stp - st.stx);
      stmax = stp + xtrapu * (stp - st.stx);
    }
    stp = Math.min(Math.max(stp, stpmin), stpmax, cap);
    // If no further progress is possible, let stp be the best point obtained.
    if ((brackt && (stp <= stmin || stp >= stmax)) || (brackt && stmax - stmin <= xtol * stmax)) stp = st.stx;
  }
  return { ok: false, stp, f, nEval };
}

interface StepState {
  stx: number;
  fx: number;
  gx: number;
  sty: number;
  fy: number;
  gy: number;
  stp: number;
  brackt: boolean;
}

/** MINPACK-2 `dcstep`: safeguarded cubic/quadratic step and update of the interval. */
function dcstep(s: StepState, fp: number, dp: number, stpmin: number, stpmax: number): void {
  const { stx, fx, gx: dx, sty, fy, gy: dy, stp } = s;
  const sgnd = dp * Math.sign(dx);
  let stpf: number;
  if (fp > fx) {
    // Case 1: higher function value; the minimum is bracketed.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const sc = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = sc * Math.sqrt((theta / sc) ** 2 - (dx / sc) * (dp / sc));
    if (stp < stx) gamma = -gamma;
    const p = gamma - dx + theta;
    const q = gamma - dx + gamma + dp;
    const r = p / q;
    const stpc = stx + r * (stp - stx);
    const stpq = stx + (dx / ((fx - fp) / (stp - stx) + dx) / 2) * (stp - stx);
    stpf = Math.abs(stpc - stx) < Math.abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2;
    s.brackt = true;
  } else if (sgnd < 0) {
    // Case 2: lower function value, derivatives of opposite sign; bracketed.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const sc = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = sc * Math.sqrt((theta / sc) ** 2 - (dx / sc) * (dp / sc));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dx;
    const r = p / q;
    const stpc = stp + r * (stx - stp);
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
    s.brackt = true;
  } else if (Math.abs(dp) < Math.abs(dx)) {
    // Case 3: lower function value, same sign, the derivative's magnitude decreases.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const sc = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = sc * Math.sqrt(Math.max(0, (theta / sc) ** 2 - (dx / sc) * (dp / sc)));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma + (dx - dp) + gamma;
    const r = p / q;
    let stpc: number;
    if (r < 0 && gamma !== 0) stpc = stp + r * (stx - stp);
    else if (stp > stx) stpc = stpmax;
    else stpc = stpmin;
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    if (s.brackt) {
      stpf = Math.abs(stpc - stp) < Math.abs(stpq - stp) ? stpc : stpq;
      stpf = stp > stx ? Math.min(stp + 0.66 * (sty - stp), stpf) : Math.max(stp + 0.66 * (sty - stp), stpf);
    } else {
      stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
      stpf = Math.max(stpmin, Math.min(stpmax, stpf));
    }
  } else {
    // Case 4: lower function value, same sign, the derivative does not decrease.
    if (s.brackt) {
      const theta = (3 * (fp - fy)) / (sty - stp) + dy + dp;
      const sc = Math.max(Math.abs(theta), Math.abs(dy), Math.abs(dp));
      let gamma = sc * Math.sqrt((theta / sc) ** 2 - (dy / sc) * (dp / sc));
      if (stp > sty) gamma = -gamma;
      const p = gamma - dp + theta;
      const q = gamma - dp + gamma + dy;
      const r = p / q;
      stpf = stp + r * (sty - stp);
    } else {
      stpf = stp > stx ? stpmax : stpmin;
    }
  }
  // Update the interval that contains the minimiser.
  if (fp > fx) {
    s.sty = stp;
    s.fy = fp;
    s.gy = dp;
  } else {
    if (sgnd < 0) {
      s.sty = stx;
      s.fy = fx;
      s.gy = dx;
    }
    s.stx = stp;
    s.fx = fp;
    s.gx = dp;
  }
  s.stp = stpf;
}
