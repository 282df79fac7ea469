/**
 * Inputs on a nested-lattice format's decision boundaries, for the kernel tests (see
 * src/formats/boundary.ts for the scalar families).
 */
import type { Matrix } from '../matrix.js';
import { gaussianMatrix, type Rng } from '../reference/random.js';
import { reciprocalSigma } from '../formats/rounding.js';
import type { NestedLatticeFormat } from './format.js';

/**
 * Rows whose coding-domain values sit exactly on the ½-lattice-unit grid of one of the format's β
 * (t a multiple of 128): every block is then a rounding tie, many are E8 deep holes or lie on the
 * coarse cell's boundary, and blocks scaled up 2–6× overload. Only meaningful without rotation
 * (a rotation scatters the grid); σ is re-derived until the snapped row reproduces it. Rotated formats
 * get heavy tails and a few huge blocks, so overloads and large-β blocks occur.
 */
export function latticeBoundaryInput(fmt: NestedLatticeFormat, rows: number, K: number, rng: Rng): Matrix {
  const base = gaussianMatrix(rows, K, rng);
  if (fmt.params.rotationSeed !== null) {
    for (let i = 0; i < base.data.length; i++) if (rng.uniform() < 0.01) base.data[i] *= 1 + 20 * rng.uniform();
    return base;
  }
  const n = fmt.n;
  const Kp = fmt.paddedK(K);
  for (let r = 0; r < rows; r++) {
    const row = base.data.subarray(r * K, (r + 1) * K);
    for (let b = 0; b * n < K; b++) {
      const boost = rng.uniform() < 0.15 ? 2 + 4 * rng.uniform() : 1;
      for (let i = b * n; i < Math.min(K, (b + 1) * n); i++) row[i] *= boost;
    }
    const j = rng.int(0, fmt.betas.length - 1);
    for (let iter = 0; iter < 6; iter++) {
      const padded = new Float32Array(Kp);
      padded.set(row);
      const sigma = fmt.rowSigma(padded, 0, Kp);
      if (sigma === 0) break;
      const m = Math.fround(fmt.encodeFactors[j] * reciprocalSigma(sigma));
      for (let i = 0; i < K; i++) row[i] = Math.fround((Math.round((row[i] * m) / 128) * 128) / m);
    }
  }
  return base;
}
