/** Synthetic input covariances for checking weight-only quantizers against their bounds (docs/theory.md §5). */
import type { Rng } from '../reference/random.js';

/** Σ = Q·diag(λ)·Qᵀ with λ log-uniform on [lo, hi]; Q the identity or a uniformly random rotation. */
export function syntheticSigma(rng: Rng, n: number, rotated: boolean, lo = 0.01, hi = 1): Float64Array {
  const lam = Array.from({ length: n }, () => Math.exp(Math.log(lo) + rng.uniform() * Math.log(hi / lo)));
  const Q = new Float64Array(n * n);
  if (!rotated) for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  else {
    // Gram–Schmidt on a Gaussian matrix: a uniformly random orthogonal basis (rows).
    for (let i = 0; i < n; i++) {
      const v = Float64Array.from({ length: n }, () => rng.normal());
      for (let p = 0; p < i; p++) {
        let d = 0;
        for (let k = 0; k < n; k++) d += v[k] * Q[p * n + k];
        for (let k = 0; k < n; k++) v[k] -= d * Q[p * n + k];
      }
      const norm = Math.hypot(...v);
      for (let k = 0; k < n; k++) Q[i * n + k] = v[k] / norm;
    }
  }
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q[k * n + i] * lam[k] * Q[k * n + j];
      S[i * n + j] = s;
    }
  }
  return S;
}
