/**
 * Block-LDLQ onto a nested-lattice format (E8 and friends, as NestQuant does for weights): SIC over
 * the format's n-entry blocks of the coding domain (Hadamard-rotated, padded rows). Σ_X is carried into
 * that domain (Σ' = T·Σ·Tᵀ for the row transform T); blocks are decided from the last to the first,
 * each row's block taken as updated by the errors already committed (V = Y_B·L_BB⁻¹) and coded by the
 * format's own block coder with the row's σ (fixed from the unquantized row, as encode does). The
 * result is an ordinary QuantizedMatrix of the format: every kernel multiplies it.
 */
import { ShapeError } from '../errors.js';
import type { QuantizedMatrix } from '../formats/format.js';
import type { NestedLatticeFormat } from '../lattice/format.js';
import { cholesky } from './linalg.js';

/**
 * Block-LDLQ onto a nested-lattice format: SIC over 8-entry blocks in the format's rotated domain, each block coded by
 * the format's own coder.
 */
export function blockLdlq(
  W: Float64Array,
  a: number,
  K: number,
  sigma: Float64Array,
  format: NestedLatticeFormat,
  percdamp = 0.01,
): QuantizedMatrix {
  if (W.length !== a * K) throw new ShapeError(`W has ${W.length} entries, expected ${a}×${K}`);
  if (sigma.length !== K * K) throw new ShapeError(`Σ_X has ${sigma.length} entries, expected ${K}×${K}`);
  const n = format.n;
  const y = format.toCodingDomain({ rows: a, cols: K, data: Float32Array.from(W) });
  const Kp = y.cols;
  // Σ' = T·Σ·Tᵀ: transform the rows of Σ, then the rows of the transpose of that.
  const A = format.toCodingDomain({ rows: K, cols: K, data: Float32Array.from(sigma) }); // Σ·Tᵀ, K×Kp
  const At = new Float32Array(Kp * K);
  for (let i = 0; i < K; i++) for (let j = 0; j < Kp; j++) At[j * K + i] = A.data[i * Kp + j];
  const S = format.toCodingDomain({ rows: Kp, cols: K, data: At }); // T·Σ·Tᵀ, Kp×Kp
  const H = new Float64Array(Kp * Kp);
  let mean = 0;
  for (let i = 0; i < Kp; i++) mean += S.data[i * Kp + i] / Kp;
  const lambda = Math.max(percdamp * mean, 1e-12);
  for (let i = 0; i < Kp; i++)
    for (let j = 0; j < Kp; j++) H[i * Kp + j] = (S.data[i * Kp + j] + S.data[j * Kp + i]) / 2 + (i === j ? lambda : 0);
  const L = cholesky(H, Kp);
  // Y = y·L, updated as blocks are committed.
  const Y = new Float64Array(a * Kp);
  for (let r = 0; r < a; r++) {
    for (let j = 0; j < Kp; j++) {
      let s = 0;
      for (let k = j; k < Kp; k++) s += y.data[r * Kp + k] * L[k * Kp + j];
      Y[r * Kp + j] = s;
    }
  }
  const sigmas = Float32Array.from({ length: a }, (_, r) => format.rowSigma(y.data, r * Kp, Kp));
  const blocks = Kp / n;
  const F = format.digits.fields;
  const fields = new Array<number>(a * blocks * F).fill(0);
  const indices = new Array<number>(a * blocks).fill(0);
  const v = new Float64Array(n);
  for (let b = blocks - 1; b >= 0; b--) {
    const j0 = b * n;
    for (let r = 0; r < a; r++) {
      // v·L_BB = Y_B: back substitution (L_BB lower triangular).
      for (let i = n - 1; i >= 0; i--) {
        let s = Y[r * Kp + j0 + i];
        for (let k = i + 1; k < n; k++) s -= v[k] * L[(j0 + k) * Kp + j0 + i];
        v[i] = s / L[(j0 + i) * Kp + j0 + i];
      }
      const c = format.codeBlock(v, sigmas[r]);
      indices[r * blocks + b] = c.index;
      for (let f = 0; f < F; f++) fields[(r * blocks + b) * F + f] = c.fields[f];
      // Commit the block: cancel its contribution from every column ≤ its last one.
      for (let i = 0; i < n; i++) {
        const w = c.decoded[i];
        if (w === 0) continue;
        const row = (j0 + i) * Kp;
        for (let k = 0; k <= j0 + i; k++) Y[r * Kp + k] -= w * L[row + k];
      }
    }
  }
  return format.assemble(a, K, sigmas, fields, indices);
}
