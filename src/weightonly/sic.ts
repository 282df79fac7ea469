/**
 * Successive interference cancellation (docs/theory.md §5): columns decided from the last to the
 * first, each rounded on its own step after the error already committed in later columns has been
 * cancelled through the Cholesky factor of Σ_X. With equal steps it is GPTQ/LDLQ (Babai's nearest
 * plane); with steps c/L_jj and a least-squares shrinkage per column it is WaterSIC. Integers are
 * unbounded (no clipping); they are entropy-coded afterwards. All f64.
 */
import { f16BitsToF32, f32ToF16Bits } from '../formats/f16.js';
import { roundHalfEven } from '../formats/rounding.js';
import { timesLower } from './linalg.js';

const toF16 = (v: number) => f16BitsToF32(f32ToF16Bits(v));

export interface SicResult {
  /** Integer codes, a×n row-major. */
  Z: Int32Array;
  /** Stored column scale (f16-exact): Ŵ[:, j] = scale_j · Z[:, j]. */
  scales: Float64Array;
  /** The reconstruction, a×n. */
  What: Float64Array;
}

/**
 * The SIC loop: columns n−1 … 0 of W (a×n) with Σ = L·Lᵀ. For column j, `commit(j, y, L_jj)` gets the
 * transformed-domain target y (a values; y/L_jj is the column as updated by the errors already made)
 * and returns the column of Ŵ it decides; its contribution is then cancelled from the columns ≤ j.
 */
export function sicLoop(
  W: Float64Array,
  a: number,
  n: number,
  L: Float64Array,
  commit: (j: number, y: Float64Array, ljj: number) => Float64Array,
): Float64Array {
  // Y = W·L: the target in the transformed domain, updated as columns are committed.
  const Y = timesLower(W, a, n, L);
  const What = new Float64Array(a * n);
  const y = new Float64Array(a);
  for (let j = n - 1; j >= 0; j--) {
    for (let r = 0; r < a; r++) y[r] = Y[r * n + j];
    const w = commit(j, y, L[j * n + j]);
    for (let r = 0; r < a; r++) {
      What[r * n + j] = w[r];
      if (w[r] === 0) continue;
      for (let k = 0; k <= j; k++) Y[r * n + k] -= w[r] * L[j * n + k];
    }
  }
  return What;
}

/**
 * SIC with unbounded integers: column j on step `step(j)` (W domain); with `shrink`, the column scale
 * is multiplied by the least-squares γ_j = ⟨z, y⟩/(c_j‖z‖²). Scales are rounded to f16 before use, so
 * the result is exactly what a 16-bit scale gives. `maxAbs` bounds the integers (an operand of fixed
 * width, e.g. 127 for int8 on the GPU): a clamped entry's error is fed to later columns like any other.
 */
export function sic(
  W: Float64Array,
  a: number,
  n: number,
  L: Float64Array,
  step: (j: number) => number,
  shrink: boolean,
  maxAbs = Number.POSITIVE_INFINITY,
): SicResult {
  const Z = new Int32Array(a * n);
  const scales = new Float64Array(n);
  const col = new Float64Array(a);
  const What = sicLoop(W, a, n, L, (j, y, ljj) => {
    const c = step(j) * ljj; // step in the transformed domain
    let zy = 0;
    let zz = 0;
    for (let r = 0; r < a; r++) {
      const z = Math.max(-maxAbs, Math.min(maxAbs, roundHalfEven(y[r] / c)));
      Z[r * n + j] = z;
      zy += z * y[r];
      zz += z * z;
    }
    const gamma = shrink ? (zz > 0 ? zy / (c * zz) : 0) : 1;
    const scale = toF16(gamma * step(j));
    scales[j] = scale;
    for (let r = 0; r < a; r++) col[r] = scale * Z[r * n + j];
    return col;
  });
  return { Z, scales, What };
}
