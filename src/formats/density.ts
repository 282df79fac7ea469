/**
 * K-level scalar quantizers for N(0,1) operands (σ units; the per-row σ scales them), built for the
 * matmul objective E[D²], D = XY − Q(X)Q(Y) with (X, Y) standard Gaussian of correlation ρ
 * (docs/theory.md §4):
 *  - companding of the optimal density λ*(ρ), with nearest-neighbour ('nn') or compander ('cp') cells;
 *  - Lloyd–Max for the marginal (the ρ = 0 optimum);
 *  - weighted Lloyd on E[h(X)(X − Q)²], the high-resolution surrogate;
 *  - direct minimisation of the exact E[D²] (needed at K ≤ 4, where the surrogate is poor).
 * exactMatmulError gives E[D²] and the bias E[D] by quadrature (Gaussian conditional moments).
 */
import { FormatError, ShapeError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { LutCodec } from './elements.js';
import { ScaledFormat } from './scaled.js';
import { optimalDensity } from '../theory/density.js';
import { integrate, normalCdf, normalPdf } from '../theory/special.js';

export interface ScalarQuantizer {
  /** K sorted reconstruction levels. */
  readonly centers: readonly number[];
  /** K − 1 sorted decision thresholds (cell i is [t_{i−1}, t_i)). */
  readonly thresholds: readonly number[];
}

function checkK(K: number): void {
  if (!Number.isInteger(K) || K < 2 || K > 256) throw new FormatError(`K must be an integer in 2..256, got ${K}`);
}

function checkRho(rho: number): void {
  if (!(rho >= -1 && rho <= 1)) throw new FormatError(`ρ must be in [−1, 1], got ${rho}`);
}

function midpoints(centers: readonly number[]): number[] {
  return centers.slice(1).map((c, i) => (c + centers[i]) / 2);
}

/** Inverse of a monotone tabulated CDF by linear interpolation. */
function inverseCdf(u: Float64Array, F: Float64Array, q: number): number {
  let lo = 0;
  let hi = F.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (F[mid] < q) lo = mid;
    else hi = mid;
  }
  const t = (q - F[lo]) / (F[hi] - F[lo]);
  return u[lo] + t * (u[hi] - u[lo]);
}

/** Companding of λ*(ρ): centers F⁻¹((i − ½)/K); thresholds nn midpoints or compander F⁻¹(i/K). */
export function compandingQuantizer(K: number, rho: number, cells: 'nn' | 'cp' = 'nn'): ScalarQuantizer {
  checkK(K);
  checkRho(rho);
  const n = 200001;
  const u = new Float64Array(n);
  const F = new Float64Array(n);
  const h = 24 / (n - 1);
  let prev = optimalDensity(-12, rho);
  u[0] = -12;
  for (let i = 1; i < n; i++) {
    u[i] = -12 + i * h;
    const f = optimalDensity(u[i], rho);
    F[i] = F[i - 1] + 0.5 * (f + prev) * h; // cumulative trapezoid
    prev = f;
  }
  const total = F[n - 1];
  for (let i = 0; i < n; i++) F[i] /= total;
  const centers = Array.from({ length: K }, (_, i) => inverseCdf(u, F, (i + 0.5) / K));
  const thresholds =
    cells === 'nn' ? midpoints(centers) : Array.from({ length: K - 1 }, (_, i) => inverseCdf(u, F, (i + 1) / K));
  return { centers, thresholds };
}

/** Truncated Gaussian moments E[X^k; a < X < b] for k = 0..3 (X ~ N(0,1)). */
function moments(a: number, b: number): [number, number, number, number] {
  const pa = Number.isFinite(a) ? normalPdf(a) : 0;
  const pb = Number.isFinite(b) ? normalPdf(b) : 0;
  const aa = Number.isFinite(a) ? a : 0;
  const bb = Number.isFinite(b) ? b : 0;
  const m0 = normalCdf(b) - normalCdf(a);
  const m1 = pa - pb;
  const m2 = m0 + aa * pa - bb * pb;
  const m3 = (aa * aa + 2) * pa - (bb * bb + 2) * pb;
  return [m0, m1, m2, m3];
}

/**
 * (Weighted) Lloyd iterations for N(0,1) with weight w(x) = (1 − ρ²) + ρ²x² (ρ = 0: plain Lloyd–Max).
 * Thresholds are midpoints; centers are E[wX | cell]/E[w | cell] in closed form.
 */
export function lloydQuantizer(
  K: number,
  rho = 0,
  init?: ScalarQuantizer,
  maxIter = 20000,
  tol = 1e-13,
): ScalarQuantizer {
  checkK(K);
  checkRho(rho);
  const r2 = rho * rho;
  let centers = (init ?? compandingQuantizer(K, rho)).centers.slice();
  for (let it = 0; it < maxIter; it++) {
    const t = [-Infinity, ...midpoints(centers), Infinity];
    let change = 0;
    const next = centers.map((c, i) => {
      const [m0, m1, m2, m3] = moments(t[i], t[i + 1]);
      const ew = (1 - r2) * m0 + r2 * m2;
      const ewx = (1 - r2) * m1 + r2 * m3;
      const v = ew > 0 ? ewx / ew : c;
      change = Math.max(change, Math.abs(v - c));
      return v;
    });
    centers = next;
    if (change < tol) break;
  }
  return { centers, thresholds: midpoints(centers) };
}

/** Index of the cell of x. */
function cellOf(q: ScalarQuantizer, x: number): number {
  let lo = 0;
  let hi = q.thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x >= q.thresholds[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Exact E[D²] and E[D] for D = XY − Q(X)Q(Y), (X, Y) standard Gaussian with correlation ρ, the same
 * quantizer on both: for each x, Y | x ~ N(ρx, 1 − ρ²) and the Y-cells give closed-form moments; x is
 * integrated cell by cell with Gauss–Legendre (|x| ≤ 12).
 */
export function exactMatmulError(q: ScalarQuantizer, rho: number): { meanSquare: number; bias: number } {
  checkRho(rho);
  const { centers, thresholds } = q;
  const K = centers.length;
  const sd = Math.sqrt(Math.max(1e-300, 1 - rho * rho));
  const edges = [-12, ...thresholds.filter((t) => t > -12 && t < 12), 12];
  let ms = 0;
  let bias = 0;
  for (let e = 0; e + 1 < edges.length; e++) {
    const a = edges[e];
    const b = edges[e + 1];
    const ci = centers[cellOf(q, (a + b) / 2)];
    const f = (x: number) => {
      const mu = rho * x;
      let eyq = 0; // E[Y Q(Y) | x]
      let eq = 0; // E[Q(Y) | x]
      let eq2 = 0; // E[Q(Y)² | x]
      for (let j = 0; j < K; j++) {
        const lo = j === 0 ? -Infinity : (thresholds[j - 1] - mu) / sd;
        const hi = j === K - 1 ? Infinity : (thresholds[j] - mu) / sd;
        const [m0, m1] = moments(lo, hi);
        const c = centers[j];
        eq += c * m0;
        eq2 += c * c * m0;
        eyq += c * (mu * m0 + sd * m1);
      }
      const ey2 = mu * mu + sd * sd;
      const w = normalPdf(x);
      return [w * (x * x * ey2 - 2 * x * ci * eyq + ci * ci * eq2), w * (x * mu - ci * eq)];
    };
    ms += integrate((x) => f(x)[0], a, b, 6);
    bias += integrate((x) => f(x)[1], a, b, 6);
  }
  return { meanSquare: ms, bias };
}

/** Nelder–Mead minimisation (small dimensions). */
function nelderMead(f: (p: number[]) => number, start: number[], step: number, iters = 4000): number[] {
  const n = start.length;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))];
  let values = simplex.map(f);
  for (let it = 0; it < iters; it++) {
    const order = values.map((_v, i) => i).sort((a, b) => values[a] - values[b]);
    simplex = order.map((i) => simplex[i]);
    values = order.map((i) => values[i]);
    if (Math.abs(values[n] - values[0]) < 1e-14) break;
    const centroid = start.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p[j], 0) / n);
    const along = (t: number) => centroid.map((c, j) => c + t * (simplex[n][j] - c));
    const r = along(-1);
    const fr = f(r);
    if (fr < values[0]) {
      const e = along(-2);
      const fe = f(e);
      [simplex[n], values[n]] = fe < fr ? [e, fe] : [r, fr];
    } else if (fr < values[n - 1]) {
      [simplex[n], values[n]] = [r, fr];
    } else {
      const c = along(0.5);
      const fc = f(c);
      if (fc < values[n]) [simplex[n], values[n]] = [c, fc];
      else {
        simplex = simplex.map((p) => p.map((v, j) => simplex[0][j] + 0.5 * (v - simplex[0][j])));
        values = simplex.map(f);
      }
    }
  }
  const best = values.indexOf(Math.min(...values));
  return simplex[best];
}

/**
 * Minimises the exact E[D²] over symmetric K-level quantizers (free centers and thresholds; even K has
 * a threshold at 0). Starts from the better of companding and weighted Lloyd. Meant for K ≤ 8.
 */
export function optimizeExactMatmul(K: number, rho: number): ScalarQuantizer {
  checkK(K);
  checkRho(rho);
  if (K > 8)
    throw new FormatError(`direct optimisation is for K ≤ 8 (K = ${K}); use companding or weighted Lloyd above`);
  const half = Math.floor(K / 2);
  const odd = K % 2 === 1;
  // parameters: positive centers (half of them) and positive thresholds (between them)
  const build = (p: number[]): ScalarQuantizer => {
    const pc = p
      .slice(0, half)
      .map(Math.abs)
      .sort((a, b) => a - b);
    const pt = p
      .slice(half)
      .map(Math.abs)
      .sort((a, b) => a - b);
    const centers = [...pc.map((v) => -v).reverse(), ...(odd ? [0] : []), ...pc];
    const thresholds = [...pt.map((v) => -v).reverse(), ...(odd ? [] : [0]), ...pt];
    return { centers, thresholds };
  };
  const starts = [compandingQuantizer(K, rho), lloydQuantizer(K, rho)];
  let best: ScalarQuantizer = starts[0];
  let bestValue = Infinity;
  for (const s of starts) {
    const pc = s.centers.filter((c) => c > 1e-12);
    const pt = s.thresholds.filter((t) => t > 1e-12);
    const p = nelderMead((v) => exactMatmulError(build(v), rho).meanSquare, [...pc, ...pt], 0.1);
    const q = build(p);
    const v = exactMatmulError(q, rho).meanSquare;
    if (v < bestValue) [best, bestValue] = [q, v];
  }
  return best;
}

/** Per-entry MSE of the quantizer on N(0,1) (the marginal distortion), exact. */
export function marginalMse(q: ScalarQuantizer): number {
  const t = [-Infinity, ...q.thresholds, Infinity];
  let e = 1;
  q.centers.forEach((c, i) => {
    const [m0, m1] = moments(t[i], t[i + 1]);
    e += -2 * c * m1 + c * c * m0;
  });
  return e;
}

/**
 * How a codebook is built: 'opt' companding of λ*(ρ) with nearest-neighbour cells, 'cp' the same with
 * compander cells, 'lm' Lloyd–Max (ignores ρ), 'wl' weighted Lloyd, 'mm' direct minimisation of the
 * exact E[D²] (K ≤ 8).
 */
export type DensityMethod = 'opt' | 'cp' | 'lm' | 'wl' | 'mm';

export function buildQuantizer(K: number, method: DensityMethod, rho = 0): ScalarQuantizer {
  switch (method) {
    case 'opt':
      return compandingQuantizer(K, rho, 'nn');
    case 'cp':
      return compandingQuantizer(K, rho, 'cp');
    case 'lm':
      return lloydQuantizer(K, 0);
    case 'wl':
      return lloydQuantizer(K, rho);
    case 'mm':
      return optimizeExactMatmul(K, rho);
  }
}

export function densityFormatId(K: number, method: DensityMethod, rho = 0): string {
  return method === 'lm' ? `sq${K}-lm` : `sq${K}-${method}-r${rho}`;
}

/**
 * A K-level codebook format with a per-row σ scale ('rms' rule): levels in σ units reach the GPU as a
 * lookup table (LutCodec), so the same GEMM template multiplies it.
 */
export function densityFormat(K: number, method: DensityMethod, rho = 0): ScaledFormat {
  const q = buildQuantizer(K, method, rho);
  const id = densityFormatId(K, method, rho);
  return new ScaledFormat(id, new LutCodec(id, q.centers, q.thresholds), 'row', 'rms', 'sq');
}

/**
 * ρ of the pairs (X[m,k], W[n,k]) that a product X·Wᵀ multiplies: E[XW]/(σ_X σ_W) over all (m, n, k),
 * with E[XW] = Σ_k (Σ_m X_mk)(Σ_n W_nk) / (MNK) (zero-mean model, as in docs/theory.md §4).
 */
export function estimatePairCorrelation(x: Matrix, w: Matrix): number {
  if (x.cols !== w.cols) throw new ShapeError(`estimatePairCorrelation: X has ${x.cols} columns and W has ${w.cols}`);
  const K = x.cols;
  const colSum = (m: Matrix) => {
    const s = new Float64Array(K);
    for (let r = 0; r < m.rows; r++) for (let k = 0; k < K; k++) s[k] += m.data[r * K + k];
    return s;
  };
  const sx = colSum(x);
  const sw = colSum(w);
  let exw = 0;
  for (let k = 0; k < K; k++) exw += sx[k] * sw[k];
  exw /= x.rows * w.rows * K;
  let xx = 0;
  let ww = 0;
  for (const v of x.data) xx += v * v;
  for (const v of w.data) ww += v * v;
  const sigma = Math.sqrt((xx / x.data.length) * (ww / w.data.length));
  return sigma > 0 ? exw / sigma : 0;
}
