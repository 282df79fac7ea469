import { OptionsError, ShapeError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { matmulF64 } from '../reference/matmul.js';
import { productNmse, sumSquares } from '../reference/metrics.js';
import { R_STAR } from '../theory/gaussian.js';
import { normalCdf, normalPdf } from '../theory/special.js';
import { hadamardRotation, rotateRows } from './hadamard.js';

/**
 * The low-rate regime (docs/theory.md §2.2). Below R* ≈ 0.906 bit/entry, spending the bits on every
 * coordinate is worse than keeping a fraction κ = R/R* of (randomly rotated) coordinates, coding
 * them at R*, and contributing nothing for the rest (no 1/κ rescaling: MMSE is better). That is
 * JL-style sketching, and it is what makes Γ(R) linear below R*.
 *
 * The measurement needs one quantizer whose rate goes continuously below 1 bit: the entropy-coded
 * uniform scalar quantizer (ECSQ, midtread, step Δ) with centroid (MMSE) reconstruction for
 * N(0,1), its rate the entropy of its indices. "Spread" codes every coordinate at entropy R;
 * "sketch" codes κ·K coordinates at entropy r₀ (R* by default) with κ = R/r₀.
 */
export interface Ecsq {
  readonly step: number;
  /** Entropy of the index for N(0,1) input (bits). */
  readonly entropy: number;
  /** Per-sample MSE for N(0,1) input with centroid reconstruction. */
  readonly mse: number;
  /** Centroid of cell i (index i ↔ cell [(i−½)Δ, (i+½)Δ)). */
  centroid(i: number): number;
}

const CELLS = 64;

/** Entropy-coded scalar quantization with step `step`: the reconstruction and the empirical entropy of the indices. */
export function ecsq(step: number): Ecsq {
  if (!(step > 0)) throw new OptionsError('step', `ECSQ step must be > 0, got ${step}`);
  const cents = new Map<number, number>();
  let entropy = 0;
  let mse = 1;
  for (let i = -CELLS; i <= CELLS; i++) {
    const a = (i - 0.5) * step;
    const b = (i + 0.5) * step;
    const p = normalCdf(b) - normalCdf(a);
    if (p <= 0) continue;
    const c = (normalPdf(a) - normalPdf(b)) / p; // E[X | a ≤ X < b]
    cents.set(i, c);
    entropy -= p * Math.log2(p);
    mse -= p * c * c; // E[X²] − E[X̂²] for centroid reconstruction
  }
  return { step, entropy, mse, centroid: (i) => cents.get(i) ?? i * step };
}

/** The ECSQ whose index entropy on N(0,1) is `rate` bits (bisection on Δ; entropy falls as Δ grows). */
export function ecsqForEntropy(rate: number): Ecsq {
  if (!(rate > 0 && rate < 8)) throw new OptionsError('rate', `ECSQ entropy must be in (0, 8) bits, got ${rate}`);
  let lo = 1e-3;
  let hi = 40;
  for (let it = 0; it < 100; it++) {
    const mid = Math.sqrt(lo * hi);
    if (ecsq(mid).entropy > rate) lo = mid;
    else hi = mid;
  }
  return ecsq(Math.sqrt(lo * hi));
}

export interface LowRateResult {
  scheme: 'spread' | 'sketch';
  /** Total rate, bits per entry (entropy-coded indices over all K entries + the 32-bit row scale). */
  rate: number;
  /** Fraction of coordinates kept. */
  kept: number;
  /** Per-kept-coordinate entropy. */
  codedRate: number;
  /** Per-entry MSE of the coded operands (rotated domain = original domain: the rotation is orthogonal). */
  mse: number;
  productNmse: number;
}

function sq(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

/** Codes the first `keep` rotated coordinates of each row with `q` (row RMS normalised), zeroes the rest. */
function codeRows(m: Matrix, keep: number, q: Ecsq): { out: Matrix; bits: number } {
  const out = new Float32Array(m.data.length);
  const counts = new Map<number, number>();
  for (let r = 0; r < m.rows; r++) {
    const row = m.data.subarray(r * m.cols, (r + 1) * m.cols);
    let ss = 0;
    for (let k = 0; k < keep; k++) ss += row[k] * row[k];
    const sigma = Math.sqrt(ss / keep) || 1;
    for (let k = 0; k < keep; k++) {
      const i = Math.round(row[k] / sigma / q.step);
      counts.set(i, (counts.get(i) ?? 0) + 1);
      out[r * m.cols + k] = q.centroid(i) * sigma;
    }
  }
  let total = 0;
  for (const c of counts.values()) total += c;
  let h = 0;
  for (const c of counts.values()) h -= (c / total) * Math.log2(c / total);
  return { out: { rows: m.rows, cols: m.cols, data: out }, bits: h * total + 32 * m.rows };
}

/**
 * Product NMSE of A·Bᵀ when both are coded at total rate R by spreading (ECSQ at entropy R on every
 * coordinate) or sketching (κ = R/r₀ of the rotated coordinates at entropy r₀). Rates are measured.
 */
export function lowRateProduct(
  A: Matrix,
  B: Matrix,
  rate: number,
  scheme: 'spread' | 'sketch',
  options: { seed?: number; codedRate?: number } = {},
): LowRateResult {
  if (A.cols !== B.cols) throw new ShapeError(`A has ${A.cols} columns, B has ${B.cols}`);
  const K = A.cols;
  const r0 = scheme === 'spread' ? rate : (options.codedRate ?? R_STAR);
  const kept = scheme === 'spread' ? 1 : Math.min(1, rate / r0);
  const keep = Math.max(1, Math.round(kept * K));
  const rot = hadamardRotation(K, options.seed ?? 1);
  const Ar = rotateRows(A, rot);
  const Br = rotateRows(B, rot);
  const q = ecsqForEntropy(r0);
  const a = codeRows(Ar, keep, q);
  const b = codeRows(Br, keep, q);
  const exact = matmulF64(A, B);
  const approx = matmulF64(a.out, b.out);
  return {
    scheme,
    rate: (a.bits + b.bits) / ((A.rows + B.rows) * K),
    kept: keep / K,
    codedRate: r0,
    mse: (sq(Ar.data, a.out.data) + sq(Br.data, b.out.data)) / (Ar.data.length + Br.data.length),
    productNmse: productNmse(approx, exact, sumSquares(A.data), sumSquares(B.data), K),
  };
}
