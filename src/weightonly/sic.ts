/**
 * Successive interference cancellation (highrate.md §3.3–3.4): columns decided from the last to the
 * first, each rounded on its own step after the error already committed in later columns has been
 * cancelled through the Cholesky factor of Σ_X. With equal steps it is GPTQ/LDLQ (Babai's nearest
 * plane); with steps c/L_jj and a least-squares shrinkage per column it is WaterSIC. Integers are
 * unbounded (no clipping); they are entropy-coded afterwards. All f64.
 */
import { f16BitsToF32, f32ToF16Bits } from '../formats/f16.js';

/** Round half to even (as torch.round). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

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
 * SIC over the columns of W (a×n) with Σ = L·Lᵀ. `step(j)` is column j's step in the W domain; with
 * `shrink`, each column's scale is multiplied by the least-squares γ_j = ⟨z, y⟩/(c_j‖z‖²) before it is
 * committed. Scales are rounded to f16 before use, so the result is exactly what a 16-bit scale gives.
 */
export function sic(W: Float64Array, a: number, n: number, L: Float64Array, step: (j: number) => number, shrink: boolean): SicResult {
  // Y = W·L: the target in the transformed domain, updated as columns are committed.
  const Y = new Float64Array(a * n);
  for (let r = 0; r < a; r++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = j; k < n; k++) s += W[r * n + k] * L[k * n + j];
      Y[r * n + j] = s;
    }
  }
  const Z = new Int32Array(a * n);
  const scales = new Float64Array(n);
  const What = new Float64Array(a * n);
  const y = new Float64Array(a);
  for (let j = n - 1; j >= 0; j--) {
    const ljj = L[j * n + j];
    const c = step(j) * ljj; // step in the transformed domain
    let zy = 0;
    let zz = 0;
    for (let r = 0; r < a; r++) {
      y[r] = Y[r * n + j];
      const z = roundHalfEven(y[r] / c);
      Z[r * n + j] = z;
      zy += z * y[r];
      zz += z * z;
    }
    const gamma = shrink ? (zz > 0 ? zy / (c * zz) : 0) : 1;
    const scale = toF16(gamma * step(j));
    scales[j] = scale;
    // Commit column j and cancel its contribution to the columns ≤ j of Y.
    for (let r = 0; r < a; r++) {
      const w = scale * Z[r * n + j];
      What[r * n + j] = w;
      if (w === 0) continue;
      for (let k = 0; k <= j; k++) Y[r * n + k] -= w * L[j * n + k];
    }
  }
  return { Z, scales, What };
}
