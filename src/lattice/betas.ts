import { FormatError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { BlockCoder, toFixedPoint } from './block-coder.js';
import { reciprocalSigma } from '../formats/rounding.js';
import { BETA_UNIT, NestedLatticeFormat, type NestedLatticeParams } from './format.js';

/**
 * Built-in optimiser for the k scalings β of a nested-lattice format (docs/lattice.md §5): for a data
 * sample, every block is coded at every β of a grid (multiples of 1/16, ~3% apart), giving an error
 * table err[block][β]; then the k values minimising Σ_blocks min_j err[block][β_j] (the per-block
 * choice the encoder makes) are found by coordinate descent from quantile starts — each sweep
 * replaces one β by the best grid value with the others fixed, until nothing improves. The sample is
 * stratified (all high-energy blocks + a bulk subsample, weighted) so the rare blocks that decide
 * the largest β are all seen.
 */
export interface BetaOptions {
  /** Bulk blocks used from the sample (evenly spaced); default 8192. */
  maxBlocks?: number;
  /** Share of highest-energy blocks that are always used (weighted); default 0.01. */
  tailFraction?: number;
  /** Grid range of β (row-RMS units); default [1, 48]. */
  range?: [number, number];
}

/** What optimizeBetas found: the β values and the sample MSE they reach. */
export interface BetaResult {
  betas: number[];
  /** Mean squared error per entry on the sample with these betas (in units of the sample). */
  mse: number;
  /** How often each β was chosen on the sample. */
  usage: number[];
  sweeps: number;
}

function betaGrid(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let b = lo; b <= hi * 1.0001; b *= 1.03) {
    const v = Math.max(1, Math.round(b * BETA_UNIT)) / BETA_UNIT;
    if (!out.length || v > out[out.length - 1]) out.push(v);
  }
  return out;
}

/** Fits k scalings β of a nested-lattice code to sample rows by coordinate descent on a 3% grid (deterministic). */
export function optimizeBetas(
  base: Omit<NestedLatticeParams, 'betas'>,
  k: number,
  sample: Matrix,
  options: BetaOptions = {},
): BetaResult {
  if (!Number.isInteger(k) || k < 1 || k > 16) throw new FormatError(`number of scalings k must be in 1..16, got ${k}`);
  const [lo, hi] = options.range ?? [1, 48];
  const grid = betaGrid(lo, hi);
  const probe = new NestedLatticeFormat({ ...base, betas: grid.slice(0, 1) });
  const n = probe.n;
  const y = probe.toCodingDomain(sample);
  const Kp = y.cols;
  const perRow = Kp / n;
  const total = y.rows * perRow;
  const sigmas = new Float64Array(y.rows);
  for (let r = 0; r < y.rows; r++) sigmas[r] = probe.rowSigma(y.data, r * Kp, Kp);
  // Stratified sample: every block in the top `tailFraction` of normalised block energy (they decide
  // the large β and an overloaded block costs O(q²) normal ones), plus evenly spaced bulk blocks,
  // each weighted by the share of the sample it stands for.
  const energy = new Float64Array(total);
  for (let blk = 0; blk < total; blk++) {
    const r = Math.floor(blk / perRow);
    const start = r * Kp + (blk % perRow) * n;
    let e = 0;
    for (let i = 0; i < n; i++) e += y.data[start + i] ** 2;
    energy[blk] = sigmas[r] > 0 ? e / (sigmas[r] * sigmas[r]) : -1;
  }
  const sorted = Float64Array.from(energy).sort();
  const tailFraction = options.tailFraction ?? 0.01;
  const threshold = sorted[Math.min(total - 1, Math.floor(total * (1 - tailFraction)))];
  const tail: number[] = [];
  const bulk: number[] = [];
  for (let blk = 0; blk < total; blk++) {
    if (energy[blk] < 0) continue;
    (energy[blk] > threshold ? tail : bulk).push(blk);
  }
  const bulkWant = Math.min(bulk.length, options.maxBlocks ?? 8192);
  const chosen: number[] = [...tail];
  const weights: number[] = tail.map(() => 1);
  for (let s = 0; s < bulkWant; s++) {
    chosen.push(bulk[Math.floor((s * bulk.length) / bulkWant)]);
    weights.push(bulk.length / bulkWant);
  }
  const G = grid.length;
  const used = chosen.length;
  const err = new Float64Array(used * G);
  const t: number[] = new Array(n);
  const coder = new BlockCoder(probe.lattice, base.q);
  for (let s = 0; s < used; s++) {
    const blk = chosen[s];
    const r = Math.floor(blk / perRow);
    const start = r * Kp + (blk % perRow) * n;
    const sigma = sigmas[r];
    const rho = reciprocalSigma(sigma);
    for (let g = 0; g < G; g++) {
      const a = Math.fround((256 * base.q) / grid[g]);
      toFixedPoint(y.data, start, n, Math.fround(a * rho), t);
      coder.encode(t);
      const step = (grid[g] / (2 * base.q)) * sigma;
      let e = 0;
      for (let i = 0; i < n; i++) e += (y.data[start + i] - coder.decodedTwice[i] * step) ** 2;
      err[s * G + g] = e * weights[s];
    }
  }
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  if (used === 0) throw new FormatError('optimizeBetas: the sample is all zeros');
  const objective = (idx: number[]) => {
    let sum = 0;
    for (let s = 0; s < used; s++) {
      let m = Infinity;
      for (const g of idx) m = Math.min(m, err[s * G + g]);
      sum += m;
    }
    return sum;
  };
  // Start: each block's best single β, take k quantiles of it.
  const bestG = Array.from({ length: used }, (_, s) => {
    let bg = 0;
    for (let g = 1; g < G; g++) if (err[s * G + g] < err[s * G + bg]) bg = g;
    return bg;
  }).sort((a, b) => a - b);
  let idx = Array.from({ length: k }, (_, j) => bestG[Math.floor(((j + 0.5) / k) * used)]);
  idx = [...new Set(idx)];
  for (let g = 0; idx.length < k; g++) if (!idx.includes(g)) idx.push(g);
  let best = objective(idx);
  let sweeps = 0;
  for (let improved = true; improved && sweeps < 50; sweeps++) {
    improved = false;
    for (let j = 0; j < k; j++) {
      // min over the other betas, per block
      const others = new Float64Array(used).fill(Infinity);
      for (let s = 0; s < used; s++)
        for (let i = 0; i < k; i++) if (i !== j) others[s] = Math.min(others[s], err[s * G + idx[i]]);
      for (let g = 0; g < G; g++) {
        if (idx.includes(g)) continue;
        let sum = 0;
        for (let s = 0; s < used; s++) sum += Math.min(others[s], err[s * G + g]);
        if (sum < best * (1 - 1e-12)) {
          best = sum;
          idx[j] = g;
          improved = true;
        }
      }
    }
  }
  idx.sort((a, b) => a - b);
  const usage = new Array(k).fill(0);
  for (let s = 0; s < used; s++) {
    let bj = 0;
    for (let j = 1; j < k; j++) if (err[s * G + idx[j]] < err[s * G + idx[bj]]) bj = j;
    usage[bj] += weights[s];
  }
  return {
    betas: idx.map((g) => grid[g]),
    mse: best / (totalWeight * n),
    usage: usage.map((u) => u / totalWeight),
    sweeps,
  };
}
