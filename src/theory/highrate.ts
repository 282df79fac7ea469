/**
 * Uniform-noise (Bennett) heuristics for block-scaled formats on iid N(0,1) data (docs/theory.md §3.2).
 * Each non-extreme element of a block gets an error uniform over the grid cell it falls in; the block
 * max is reproduced exactly by absmax scales. Expectations over the block max M_n (max of n iid |N(0,1)|)
 * are numerical integrals.
 */
import type { Grid } from '../formats/elements.js';
import { erf, halfNormalCdf, integrate, normalCdf, normalPdf } from './special.js';

const UPPER = 13; // P(|X| > 13) < 1e-38: the integrals stop there

/** Density of M_n = max of n iid |N(0,1)|. */
function blockMaxDensity(n: number, m: number): number {
  if (m <= 0) return 0;
  return n * Math.pow(halfNormalCdf(m), n - 1) * 2 * normalPdf(m);
}

/** E[M_n²] = ∫₀^∞ 2t·(1 − erf(t/√2)^n) dt (docs/theory.md §3.2; n = 32 gives 5.7095). */
export function expectedBlockMaxSquared(n: number): number {
  return integrate((t) => 2 * t * (1 - Math.pow(erf(t / Math.SQRT2), n)), 0, UPPER, 128);
}

/** Symmetric absmax INT-b in blocks of n: (1 − 1/n)·E[M_n²]/(12Q²), Q = 2^{b−1} − 1. */
export function intAbsmaxHeuristicMse(n: number, bits: number): number {
  const Q = 2 ** (bits - 1) - 1;
  return ((1 - 1 / n) * expectedBlockMaxSquared(n)) / (12 * Q * Q);
}

/** E[(max − min)²] of n iid N(0,1), from P(R > r) = 1 − n∫φ(x)(Φ(x+r) − Φ(x))^{n−1} dx. */
function expectedRangeSquared(n: number): number {
  const tail = (r: number) =>
    1 - n * integrate((x) => normalPdf(x) * Math.pow(normalCdf(x + r) - normalCdf(x), n - 1), -9, 9, 24);
  return integrate((r) => 2 * r * tail(r), 0, 18, 24);
}

/**
 * Asymmetric min–max INT-b in blocks of n: E[R²]/(12(2^b − 1)²). Unlike absmax, no entry is exact:
 * rounding the zero point shifts the grid against both extremes, so all n entries see cell noise.
 */
export function intMinMaxHeuristicMse(n: number, bits: number): number {
  const L = 2 ** bits - 1;
  return expectedRangeSquared(n) / (12 * L * L);
}

/**
 * Σ over cells [g_i, g_{i+1}) of one sign's grid (in x units: times `scale`, cut at `cut`) of
 * Δ_i²/12 · P(x in cell) for X ~ N(0,1) restricted to that sign (probabilities of |X|).
 */
function cellNoise(magnitudes: readonly number[], scale: number, cut: number): number {
  let sum = 0;
  for (let i = 0; i + 1 < magnitudes.length; i++) {
    const a = magnitudes[i] * scale;
    if (a >= cut) break;
    const b = Math.min(cut, magnitudes[i + 1] * scale);
    const width = (magnitudes[i + 1] - magnitudes[i]) * scale;
    sum += ((width * width) / 12) * (halfNormalCdf(b) - halfNormalCdf(a));
  }
  return sum;
}

/** ∫_c^M (x − c)² · 2φ(x) dx, the clipping error of |X| ∈ (c, M]. */
function clipNoise(c: number, M: number): number {
  if (M <= c) return 0;
  // ∫x²φ = Φ − xφ, ∫xφ = −φ, ∫φ = Φ.
  const P = (x: number) => normalCdf(x);
  const p = (x: number) => normalPdf(x);
  const x2 = P(M) - M * p(M) - (P(c) - c * p(c));
  const x1 = -(p(M) - p(c));
  const x0 = P(M) - P(c);
  return 2 * (x2 - 2 * c * x1 + c * c * x0);
}

/** Bennett heuristic for a grid with an exact absmax scale s = M/vmax, blocks of n (FP-absmax, NF4). */
export function absmaxGridHeuristicMse(n: number, grid: Grid): number {
  const inner = (m: number) => {
    const s = m / grid.vmax;
    // Half the mass on each sign; cellNoise uses P(|X| in cell), so average the two signs.
    const noise = 0.5 * (cellNoise(grid.positive, s, m) + cellNoise(grid.negative, s, m));
    return noise / halfNormalCdf(m);
  };
  return (1 - 1 / n) * integrate((m) => blockMaxDensity(n, m) * inner(m), 1e-9, UPPER, 128);
}

/**
 * Heuristic for OCP MX (shared scale X = 2^{⌊log₂M⌋ − emax}): cell noise below vmax·X, the clipping
 * term above it (docs/theory.md §3.2), and the block max's own error.
 */
export function mxHeuristicMse(n: number, grid: Grid, emaxElem: number): number {
  const X = (m: number) => 2 ** (Math.floor(Math.log2(m)) - emaxElem);
  const maxError = (m: number) => {
    const x = X(m);
    const c = grid.vmax * x;
    if (m > c) return (m - c) ** 2;
    const u = m / x;
    const g = grid.positive;
    for (let i = 0; i + 1 < g.length; i++) if (u < g[i + 1]) return ((g[i + 1] - g[i]) * x) ** 2 / 12;
    return 0;
  };
  const others = (m: number) => {
    const x = X(m);
    const c = Math.min(m, grid.vmax * x);
    const noise =
      0.5 * (cellNoise(grid.positive, x, c) + cellNoise(grid.negative, x, c)) +
      (0.5 * 2 * clipNoise(grid.vmax * x, m)) / 2;
    return noise / halfNormalCdf(m);
  };
  // Integrate piecewise between powers of two, where X(m) jumps.
  let total = 0;
  let lo = 2 ** -20;
  while (lo < UPPER) {
    const hi = Math.min(UPPER, 2 ** (Math.floor(Math.log2(lo)) + 1));
    total += integrate((m) => blockMaxDensity(n, m) * ((1 / n) * maxError(m) + (1 - 1 / n) * others(m)), lo, hi, 16);
    lo = hi;
  }
  return total;
}

/**
 * High-resolution (granular) MSE of a nested-lattice format for unit-RMS rows: Σ_j p_j·(β_j/q)²·G(L)·
 * det(L)^{2/n}, with p_j the share of blocks coded at β_j (docs/lattice.md §1). It ignores overload,
 * so it is a lower estimate where overloads matter.
 */
export function latticeGranularMse(
  format: { betas: readonly number[]; q: number; lattice: { nsm: number; det: number; dim: number } },
  usage: readonly number[],
): number {
  const { lattice, q } = format;
  const unit = lattice.nsm * lattice.det ** (2 / lattice.dim);
  return format.betas.reduce((s, b, j) => s + (usage[j] ?? 0) * (b / q) ** 2 * unit, 0);
}
