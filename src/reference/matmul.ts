import { matmulShape, type Matrix } from '../matrix.js';

/** Y = X·Wᵀ accumulated in f64 (the reference every GPU GEMM is checked against). Row-major M×N. */
export function matmulF64(x: Matrix, w: Matrix): Float64Array {
  const { M, K, N } = matmulShape(x, w);
  const y = new Float64Array(M * N);
  const xr = new Float64Array(K);
  for (let m = 0; m < M; m++) {
    for (let k = 0; k < K; k++) xr[k] = x.data[m * K + k];
    for (let n = 0; n < N; n++) {
      const off = n * K;
      let acc = 0;
      for (let k = 0; k < K; k++) acc += xr[k] * w.data[off + k];
      y[m * N + n] = acc;
    }
  }
  return y;
}
