/**
 * Block-LDLQ onto a trellis format (QTIP's pairing of LDLQ and a bitshift trellis; docs/trellis.md §6):
 * block SIC (block-sic.ts) over runs of `block` columns of the coding domain, each row's run coded by a
 * Viterbi search whose last state must join the run after it (already decided, since runs go from the
 * last to the first): its high L − k bits are fixed to the next state's low ones. The search also covers
 * `lookBack` columns before the run (their current targets) so the bits the run shares with them are not
 * chosen blind; only the run is committed. Runs do not cross the format's segments, whose first states
 * are stored. σ per row is fixed from the unquantized row, as encode does. The result is an ordinary
 * QuantizedMatrix of the format.
 */
import { ShapeError } from '../errors.js';
import type { QuantizedMatrix } from '../formats/format.js';
import type { TrellisFormat } from '../formats/trellis/format.js';
import { blockSic, codingDomainCovariance } from './block-sic.js';

/**
 * Columns per LDLQ run, and the look-back in units of the trellis' memory ⌈(L − k)/k⌉ steps. A run's first
 * states also fix the last states of the run before it (decided later, for targets it does not know yet):
 * without a look-back block-LDLQ was worse than no feedback (runs of 4: 2.5× plain encode's error on a
 * rotated Σ); searching the run together with the columns before it, at their current targets, and
 * committing only the run recovers it. Measured on tcq2-l10, 128×256, rotated Σ (docs/trellis.md §6):
 * Σ-weighted MSE 0.0155 plain, runs of 16 with look-back 16 / 32 / 64: 0.0098 / 0.0097 / 0.0097, runs of 8:
 * 0.0099 / 0.0095 / 0.0094; the search costs (run + look-back)/run times one pass.
 */
const TRELLIS_LDLQ_BLOCK = 16;
const TRELLIS_LDLQ_LOOKBACK = 4;

/**
 * Block-LDLQ of W (a×K, row-major f64) for inputs of covariance Σ_X (K×K) onto a trellis format: an
 * ordinary QuantizedMatrix of `format` whose Σ_X-weighted error is below plain encode's.
 *
 * @example
 * const q = trellisLdlq(W, rows, K, sigma, parseFormat('tcq3-l12') as TrellisFormat);
 * const y = await engine.matmul(x, engine.uploadQuantized(q));
 */
export function trellisLdlq(
  W: Float64Array,
  a: number,
  K: number,
  sigma: Float64Array,
  format: TrellisFormat,
  block = TRELLIS_LDLQ_BLOCK,
  lookBack = TRELLIS_LDLQ_LOOKBACK * Math.ceil((format.params.L - format.params.k) / format.params.k),
  percdamp = 0.01,
): QuantizedMatrix {
  if (W.length !== a * K) throw new ShapeError(`W has ${W.length} entries, expected ${a}×${K}`);
  if (!Number.isInteger(block) || block < 1) throw new ShapeError(`trellis LDLQ block must be ≥ 1, got ${block}`);
  const y = format.toCodingDomain({ rows: a, cols: K, data: Float32Array.from(W) });
  const { S, Kp } = codingDomainCovariance(sigma, K, (m) => format.toCodingDomain(m), percdamp);
  const sigmas = Float32Array.from({ length: a }, (_, r) => format.rowSigma(y.data, r * Kp, Kp));
  const segments = format.segmentStarts(Kp);
  const starts: number[] = [];
  const joins: boolean[] = []; // whether a run's last state must join the next run
  const backs: number[] = []; // look-back: columns before the run its search also fits
  segments.forEach((s0, i) => {
    const end = i + 1 < segments.length ? segments[i + 1] : Kp;
    for (let j = s0; j < end; j += block) {
      starts.push(j);
      joins.push(j + block < end);
      backs.push(Math.min(lookBack, j - s0));
    }
  });
  const { L, k } = format.params;
  const lowMask = 2 ** (L - k) - 1;
  const states = new Uint32Array(a * Kp);
  const search = format.newSearch(Kp);
  const zeros = new Float32Array(block);
  const targets = new Int32Array(block + lookBack);
  blockSic(
    y,
    S,
    starts,
    (r, b, j0, v, before) => {
      const n = v.length - before;
      if (sigmas[r] === 0) return zeros; // states stay 0: every value decodes to 0
      const values = format.stateValues(sigmas[r]); // 2^L values: 1/block of the search's cost
      const endHigh = joins[b] ? states[r * Kp + j0 + n] & lowMask : -1;
      search.search(format.targets(v, 0, v.length, sigmas[r], targets), 0, v.length, format.levels, endHigh);
      const out = new Float32Array(n);
      for (let t = 0; t < n; t++) out[t] = values[(states[r * Kp + j0 + t] = search.states[before + t])];
      return out;
    },
    (b) => backs[b],
  );
  return format.assemble(a, K, sigmas, states);
}
