/**
 * Block SIC in a format's coding domain (docs/theory.md §5; LDLQ as NestQuant and QTIP use it): Σ_X is
 * carried into the domain the format codes (Σ' = T·Σ·Tᵀ for the row transform T, damped), blocks of
 * columns are decided from the last to the first, and each row's block is coded as updated by the errors
 * already committed (v = Y_B·L_BB⁻¹). The format's own coder decides a block; the error it makes is then
 * cancelled from every earlier column. Shared by block-LDLQ onto a lattice and onto a trellis.
 */
import { ShapeError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { cholesky, timesLower } from './linalg.js';

/**
 * Codes block `b` (columns j0 .. j0 + n) of row `r` from its target `v` (coding domain) and returns the n
 * values the decoder will produce there. With a look-back, v starts `before` columns earlier: the targets
 * of columns not yet decided, as they stand now (a search may look at them; only the block is committed).
 */
export type BlockCoder = (r: number, b: number, j0: number, v: Float64Array, before: number) => ArrayLike<number>;

/**
 * Σ' = T·Σ·Tᵀ + λI (λ = percdamp × its mean diagonal), symmetrised, where `toDomain` maps rows×K to the
 * coding domain's rows×Kp (rotation and padding); Kp×Kp, f64.
 */
export function codingDomainCovariance(
  sigma: Float64Array,
  K: number,
  toDomain: (m: Matrix) => Matrix,
  percdamp = 0.01,
): { S: Float64Array; Kp: number } {
  if (sigma.length !== K * K) throw new ShapeError(`Σ_X has ${sigma.length} entries, expected ${K}×${K}`);
  const A = toDomain({ rows: K, cols: K, data: Float32Array.from(sigma) }); // Σ·Tᵀ, K×Kp
  const Kp = A.cols;
  const At = new Float32Array(Kp * K);
  for (let i = 0; i < K; i++) for (let j = 0; j < Kp; j++) At[j * K + i] = A.data[i * Kp + j];
  const T = toDomain({ rows: Kp, cols: K, data: At }).data; // T·Σ·Tᵀ, Kp×Kp
  let mean = 0;
  for (let i = 0; i < Kp; i++) mean += T[i * Kp + i] / Kp;
  const lambda = Math.max(percdamp * mean, 1e-12);
  const S = new Float64Array(Kp * Kp);
  for (let i = 0; i < Kp; i++)
    for (let j = 0; j < Kp; j++) S[i * Kp + j] = (T[i * Kp + j] + T[j * Kp + i]) / 2 + (i === j ? lambda : 0);
  return { S, Kp };
}

/**
 * Block SIC over coding-domain rows `y` (a×Kp) for Σ' (Kp×Kp, positive definite): `starts` are the
 * blocks' first columns, ascending from 0 (a block ends where the next starts, the last at Kp); blocks are
 * coded from the last to the first, rows in order within a block. `lookBack(b)`: how many columns before
 * block b its coder sees (default none).
 */
export function blockSic(
  y: Matrix,
  S: Float64Array,
  starts: readonly number[],
  code: BlockCoder,
  lookBack: (b: number) => number = () => 0,
): void {
  const a = y.rows;
  const Kp = y.cols;
  if (S.length !== Kp * Kp) throw new ShapeError(`Σ' has ${S.length} entries, expected ${Kp}×${Kp}`);
  const L = cholesky(S, Kp);
  // Y = y·L, updated as blocks are committed.
  const Y = timesLower(y.data, a, Kp, L);
  for (let b = starts.length - 1; b >= 0; b--) {
    const j0 = starts[b];
    const n = (b + 1 < starts.length ? starts[b + 1] : Kp) - j0;
    const before = lookBack(b);
    if (!(before >= 0 && before <= j0)) throw new ShapeError(`block SIC: look-back ${before} before column ${j0}`);
    const e0 = j0 - before; // first column the coder sees
    const v = new Float64Array(before + n);
    for (let r = 0; r < a; r++) {
      // v·L_EE = Y_E over the seen columns E: back substitution (L_EE lower triangular); the block's own
      // entries come out first and do not depend on the look-back.
      for (let i = before + n - 1; i >= 0; i--) {
        let s = Y[r * Kp + e0 + i];
        for (let k = i + 1; k < before + n; k++) s -= v[k] * L[(e0 + k) * Kp + e0 + i];
        v[i] = s / L[(e0 + i) * Kp + e0 + i];
      }
      const decoded = code(r, b, j0, v, before);
      // Commit the block: cancel its contribution from every column ≤ its last one.
      for (let i = 0; i < n; i++) {
        const w = decoded[i];
        if (w === 0) continue;
        const row = (j0 + i) * Kp;
        for (let k = 0; k <= j0 + i; k++) Y[r * Kp + k] -= w * L[row + k];
      }
    }
  }
}
