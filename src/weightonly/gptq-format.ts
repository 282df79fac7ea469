/**
 * GPTQ/LDLQ onto an INT format's grid: the group scales (and zero points) are the format's own
 * round-to-nearest ones computed from W, then the SIC loop (sic.ts) rounds each column, as updated by
 * the errors already committed, to that grid with clamping. The result is an ordinary QuantizedMatrix
 * of the format: every kernel multiplies it as it multiplies the format's RTN codes.
 */
import { ShapeError } from '../errors.js';
import { packRow, unpackCode } from '../formats/bitpack.js';
import type { QuantizedMatrix } from '../formats/format.js';
import type { IntFormat } from '../formats/int.js';
import { cholesky } from './linalg.js';
import { roundHalfEven } from '../formats/rounding.js';
import { sicLoop } from './sic.js';
import { prepareHessian } from './watersic.js';

/**
 * GPTQ/LDLQ onto an INT format's grid: the format's own RTN group scales and zero points, then SIC rounding of each
 * updated column with clamping. The result is an ordinary INT matrix every kernel multiplies.
 */
export function gptqInt(
  W: Float64Array,
  a: number,
  n: number,
  sigma: Float64Array,
  format: IntFormat,
  percdamp = 0.01,
): QuantizedMatrix {
  if (W.length !== a * n) throw new ShapeError(`W has ${W.length} entries, expected ${a}×${n}`);
  const rtn = format.encode({ rows: a, cols: n, data: Float32Array.from(W) });
  const { groupSize: g, wordsPerRow: wpr } = rtn.layout;
  const { bits, symmetric } = format.params;
  const offset = 2 ** (bits - 1);
  const hess = prepareHessian(sigma, n, percdamp);
  // Dead inputs carry no weight in the objective; they stay in the loop, decoupled from the rest.
  const H = new Float64Array(n * n);
  const m = hess.live.length;
  for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) H[hess.live[r] * n + hess.live[c]] = hess.H[r * m + c];
  for (const d of hess.dead) H[d * n + d] = 1; // decoupled: a dead column is rounded as RTN would
  const L = cholesky(H, n);
  const levels = new Int32Array(a * n);
  const col = new Float64Array(a);
  sicLoop(W, a, n, L, (j, y, ljj) => {
    const gi = Math.floor(j / g);
    for (let r = 0; r < a; r++) {
      const s = format.scaleOf(rtn, r, gi);
      const zero = symmetric ? offset : unpackCode(rtn.aux, r * wpr.aux, gi, bits);
      const lo = symmetric ? 1 : 0; // symmetric INT uses codes 1 … 2^b − 1 (levels ±qmax)
      const code = s > 0 ? Math.min(2 ** bits - 1, Math.max(lo, roundHalfEven(y[r] / ljj / s) + zero)) : zero;
      levels[r * n + j] = code;
      col[r] = Math.fround(s * (code - zero));
    }
    return col;
  });
  const codes = new Uint32Array(a * wpr.codes);
  for (let r = 0; r < a; r++) packRow(levels.subarray(r * n, (r + 1) * n), n, bits, codes, r * wpr.codes);
  return { ...rtn, codes };
}
