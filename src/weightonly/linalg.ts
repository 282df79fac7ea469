/**
 * Dense f64 linear algebra for weight-only quantization (n×n covariances, row-major): Cholesky, and
 * the LDL pivots d_i = L_ii² that set every SIC algorithm's error weights (docs/theory.md §5).
 */
import { ShapeError } from '../errors.js';

/** Lower-triangular L with A = L·Lᵀ. Throws a ShapeError naming the pivot when A is not positive definite. */
export function cholesky(A: Float64Array, n: number): Float64Array {
  if (A.length !== n * n) throw new ShapeError(`cholesky: ${A.length} entries for a ${n}×${n} matrix`);
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j];
    for (let k = 0; k < j; k++) s -= L[j * n + k] * L[j * n + k];
    if (!(s > 0))
      throw new ShapeError(
        `cholesky: the matrix is not positive definite (pivot ${j} is ${s}); damp it or drop dead inputs`,
      );
    const d = Math.sqrt(s);
    L[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = A[i * n + j];
      for (let k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = t / d;
    }
  }
  return L;
}

/** The LDL pivots d_i = L_ii² (their product is det A). */
export function pivots(L: Float64Array, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => L[i * n + i] ** 2);
}

/** ln det A from its Cholesky factor. */
export function logDet(L: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += 2 * Math.log(L[i * n + i]);
  return s;
}

/** tr(E·A·Eᵀ)/(rows·n) for E (rows×n): the WMSE per entry of an error E under covariance A. */
export function weightedMse(E: Float64Array, rows: number, A: Float64Array, n: number): number {
  let s = 0;
  const ea = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    ea.fill(0);
    for (let k = 0; k < n; k++) {
      const e = E[r * n + k];
      if (e === 0) continue;
      for (let j = 0; j < n; j++) ea[j] += e * A[k * n + j];
    }
    for (let j = 0; j < n; j++) s += ea[j] * E[r * n + j];
  }
  return s / (rows * n);
}

/**
 * Y = W·L for W (rows×n, any numeric rows) and lower-triangular L (n×n): the SIC target in the transformed
 * domain (docs/theory.md §5), which the SIC loops then update as columns or blocks are committed.
 */
export function timesLower(W: ArrayLike<number>, rows: number, n: number, L: Float64Array): Float64Array {
  const Y = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = j; k < n; k++) s += W[r * n + k] * L[k * n + j];
      Y[r * n + j] = s;
    }
  }
  return Y;
}
