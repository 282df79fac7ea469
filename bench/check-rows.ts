import type { Matrix } from '../src/matrix.js';

/**
 * Relative Frobenius error of the first `rows` rows of Y (M×N, row-major) against f64 X·Wᵀ of the
 * given (decoded) operands: cheap enough for 4096² benchmarks, and any wrong kernel shows in them.
 */
export function checkRows(y: Float32Array, x: Matrix, w: Matrix, rows: number): number {
  const N = w.rows;
  const K = x.cols;
  let num = 0;
  let den = 0;
  for (let m = 0; m < rows; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x.data[m * K + k] * w.data[n * K + k];
      const d = y[m * N + n] - s;
      num += d * d;
      den += s * s;
    }
  }
  return Math.sqrt(num / den);
}
