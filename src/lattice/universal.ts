import { FormatError } from '../errors.js';
import { ftz } from '../formats/rounding.js';
import { gaussianMatrix, mix32, Rng } from '../reference/random.js';
import { FIXED_POINT } from './block-coder.js';
import type { ClosestScratch } from './closest.js';
import type { Lattice } from './lattices.js';

/**
 * The universal scheme's pieces (docs/universal.md): column centring, a subtractive dither uniform over
 * the fine Voronoi cell, a β per block that no dither can overload, and MMSE shrinkage. All integer or
 * single-rounding f32 arithmetic, twinned by shaders/lattice/universal.wgsl and shaders/centre_rows.wgsl.
 */

/**
 * Per-row mean as the GPU computes it, in two sequential f32 passes in k order: μ₁ = fl(Σx·fl(1/K)), then
 * μ = μ₁ + fl(Σ fl(x − μ₁)·fl(1/K)). The second pass sums small residuals, so μ is accurate to the spread of
 * the row, not to the size of its offset: the mean term K·μ_x·μ_w of a product then carries no rounding
 * bias of order K·μ·ulp(μ) (docs/universal.md). Adds and single multiplies only: nothing a device can fuse.
 */
export function rowMean(x: ArrayLike<number>, start: number, K: number): number {
  const inv = Math.fround(1 / K);
  let acc = 0;
  for (let k = 0; k < K; k++) acc = Math.fround(acc + ftz(x[start + k]));
  const mu1 = ftz(Math.fround(acc * inv));
  let res = 0;
  for (let k = 0; k < K; k++) res = Math.fround(res + ftz(Math.fround(ftz(x[start + k]) - mu1)));
  return ftz(Math.fround(mu1 + ftz(Math.fround(res * inv))));
}

/**
 * Key of a row's dither stream: the seed mixed with the row's index in its matrix (kernels see windows of
 * rows and add the window's first row, FMT_meta.row0). Rows get independent dithers, so even identical rows
 * carry independent errors.
 */
export function ditherKey(seed: number, row: number): number {
  return mix32((mix32(seed >>> 0) ^ row) >>> 0);
}

/**
 * Dither of block `blk` in 1/FIXED_POINT lattice units: u uniform on the grid points of [0, 2)^n (2ℤ^n ⊂ L
 * for E8, D_n and ℤ^n, so u mod L is uniform over the grid's cosets), reduced into the Voronoi cell,
 * d = u − Q_L(u) (the translation-invariant tie rule keeps it a function of the coset). Writes `out`.
 */
export function blockDither(
  lattice: Lattice,
  key: number,
  blk: number,
  out: number[],
  twice: Float64Array,
  scratch: ClosestScratch,
): void {
  const n = lattice.dim;
  for (let i = 0; i < n; i++) out[i] = mix32((key ^ ((blk * n + i) >>> 0)) >>> 0) >>> 23; // 9 bits: [0, 512)
  lattice.closestTwiceInto(out, FIXED_POINT, twice, scratch);
  for (let i = 0; i < n; i++) out[i] -= (FIXED_POINT / 2) * twice[i];
}

/**
 * Twice the Voronoi gauge of t/256 in 1/256 units: ‖x‖_V = max over the Voronoi-relevant vectors v of |⟨x,v⟩|
 * (E8: the 240 roots; D_n: ±e_i±e_j; ℤ^n: ±e_i, whose cell is the cube, gauge 2·max|x_i|).
 */
export function gaugeTwice(lattice: Lattice, t: ArrayLike<number>): number {
  const n = lattice.dim;
  let a1 = 0;
  let a2 = 0;
  let sum = 0;
  let min = Infinity;
  let negatives = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(t[i]);
    if (t[i] < 0) negatives++;
    sum += a;
    min = Math.min(min, a);
    if (a > a1) {
      a2 = a1;
      a1 = a;
    } else if (a > a2) a2 = a;
  }
  if (lattice.name.startsWith('Z')) return 4 * a1;
  const pair = 2 * (a1 + a2);
  if (lattice.name !== 'E8') return pair;
  // ½(±1)^8 with an even number of minus signs: all signs matched unless the count of negatives is odd.
  return Math.max(pair, sum - (negatives & 1 ? 2 * min : 0));
}

/**
 * Twice-gauge limit for a coarse ratio q: ‖x + z‖_V ≤ ‖x‖_V + 1 (z in the cell) and ‖Q(w)‖_V ≤ ‖w‖_V + 1,
 * so ‖x‖_V < q − 2 keeps the coded point strictly inside qV for every dither: no overload, ever.
 */
export function gaugeLimitTwice(q: number): number {
  return 2 * FIXED_POINT * (q - 2);
}

/** Per-dimension second moment of the unit-scale lattice's Voronoi cell (G·det^{2/n}). */
export function cellSecondMoment(lattice: Lattice): number {
  return lattice.nsm * lattice.det ** (2 / lattice.dim);
}

/** What fitUniversalBetas returns. */
export interface UniversalFit {
  betas: number[];
  /** D̄: per-entry error of a unit-RMS Gaussian row (in units of its mean square), before shrinkage. */
  nmse: number;
  /** How often each β is chosen on the sample. */
  usage: number[];
}

const FIT_SEED = 0x0d17;
const GRID_UNIT = 16; // β are multiples of 1/16 (format.ts BETA_UNIT)
/** The largest β covers any block with up to GUARD_ENERGY× the row's mean block energy. */
const GUARD_ENERGY = 16;

const needsCache = new Map<string, Float64Array>();

/**
 * The β each block of a fixed Gaussian sample (64 rows of 4096, RMS-normalised) needs under the gauge rule,
 * gauge(y/σ)·q/(q − 2), sorted (cached per lattice and q).
 */
function gaussianNeeds(lattice: Lattice, q: number): Float64Array {
  const key = `${lattice.name}/${q}`;
  const cached = needsCache.get(key);
  if (cached) return cached;
  const n = lattice.dim;
  const rows = gaussianMatrix(64, 4096, new Rng(FIT_SEED));
  const needs = new Float64Array((rows.rows * rows.cols) / n);
  const t = new Array<number>(n);
  let at = 0;
  for (let r = 0; r < rows.rows; r++) {
    let ss = 0;
    for (let c = 0; c < rows.cols; c++) ss += rows.data[r * rows.cols + c] ** 2;
    const sigma = Math.sqrt(ss / rows.cols);
    for (let b = 0; b < rows.cols; b += n) {
      for (let i = 0; i < n; i++) t[i] = (rows.data[r * rows.cols + b + i] / sigma) * FIXED_POINT;
      needs[at++] = (gaugeTwice(lattice, t) / (2 * FIXED_POINT)) * (q / (q - 2));
    }
  }
  needs.sort();
  needsCache.set(key, needs);
  return needs;
}

/** Blocks whose need is below v (binary search in the sorted needs). */
function countBelow(needs: Float64Array, v: number): number {
  let lo = 0;
  let hi = needs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (needs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Σ over the sample of (the β the gauge rule picks)², blocks above the largest β counted at it. */
function betaCost(needs: Float64Array, betas: readonly number[]): number {
  let prev = 0;
  let c = 0;
  for (const b of betas) {
    const below = countBelow(needs, b);
    c += (below - prev) * b * b;
    prev = below;
  }
  return c + (needs.length - prev) * betas[betas.length - 1] ** 2;
}

/** D̄ and β usage of given β on the Gaussian sample (the error is (β/q)²·m₂ per entry of a unit-RMS row). */
export function universalFit(lattice: Lattice, q: number, betas: readonly number[]): UniversalFit {
  const needs = gaussianNeeds(lattice, q);
  const usage = betas.map((b, j) => {
    const below = j === betas.length - 1 ? needs.length : countBelow(needs, b);
    const prev = j === 0 ? 0 : countBelow(needs, betas[j - 1]);
    return (below - prev) / needs.length;
  });
  const nmse = ((betaCost(needs, betas) / needs.length) * cellSecondMoment(lattice)) / (q * q);
  return { betas: [...betas], nmse, usage };
}

/**
 * k scalings β for the gauge rule (a block takes the smallest β_j with gauge < q − 2, in lattice units of
 * y·q/(σβ_j)), fitted to iid Gaussian blocks: the largest is fixed by the guard (energy up to 16× the
 * mean: gauge ≤ √2·‖y‖ for these lattices, so the needed β is √(2·16·n)·q/(q−2)); the others minimise
 * E[β_chosen²] (the dithered error is (σβ/q)²·m₂ per entry whatever the data) by coordinate descent on
 * the 1/16 grid.
 */
export function fitUniversalBetas(lattice: Lattice, q: number, k: number): UniversalFit {
  if (q < 3) throw new FormatError(`the universal scheme needs q ≥ 3 (its no-overload margin is q − 2), got ${q}`);
  if (!Number.isInteger(k) || k < 1 || k > 16) throw new FormatError(`number of scalings k must be in 1..16, got ${k}`);
  const needs = gaussianNeeds(lattice, q);
  const guard = Math.min(
    256,
    Math.ceil(Math.sqrt(2 * GUARD_ENERGY * lattice.dim) * (q / (q - 2)) * GRID_UNIT) / GRID_UNIT,
  );
  const grid: number[] = [];
  for (let g = Math.max(1, Math.floor(needs[0] * GRID_UNIT)); g < guard * GRID_UNIT; g++) grid.push(g / GRID_UNIT);
  const quantile = (p: number) => needs[Math.min(needs.length - 1, Math.floor(p * needs.length))];
  let betas = [
    ...new Set(
      Array.from({ length: k - 1 }, (_, j) =>
        Math.min(guard - 1 / GRID_UNIT, Math.ceil(quantile((j + 1) / k) * GRID_UNIT) / GRID_UNIT),
      ),
    ),
    guard,
  ];
  for (let sweep = 0, improved = true; improved && sweep < 20; sweep++) {
    improved = false;
    for (let j = 0; j < betas.length - 1; j++) {
      let best = betaCost(needs, betas);
      for (const g of grid) {
        if (betas.includes(g)) continue;
        const trial = [...betas];
        trial[j] = g;
        trial.sort((a, b) => a - b);
        const c = betaCost(needs, trial);
        if (c < best * (1 - 1e-12)) {
          best = c;
          betas = trial;
          improved = true;
        }
      }
    }
  }
  return universalFit(lattice, q, betas);
}

/** What centredProduct needs of a format: its coded rows and stored means. */
interface CentredCode<Q> {
  decodeCodingDomain(q: Q): { rows: number; cols: number; data: Float32Array };
  rowMeans(q: Q): Float32Array;
}

/**
 * The universal scheme's estimate of X·Wᵀ in f64 (what engine.matmul computes for two centred operands):
 * the product of the coded (centred, rotated, shrunk) rows plus K·μ_x·μ_w, K the logical row length. It is
 * not the product of the decoded matrices: their cross terms μ_w·Σ_k x̂̄_k carry coding noise times μ.
 */
export function centredProduct<Q extends { cols: number }>(
  fx: CentredCode<Q>,
  qx: Q,
  fw: CentredCode<Q>,
  qw: Q,
): Float64Array {
  const a = fx.decodeCodingDomain(qx);
  const b = fw.decodeCodingDomain(qw);
  const ma = fx.rowMeans(qx);
  const mb = fw.rowMeans(qw);
  const K = qx.cols;
  const out = new Float64Array(a.rows * b.rows);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < b.rows; j++) {
      let s = 0;
      for (let k = 0; k < a.cols; k++) s += a.data[i * a.cols + k] * b.data[j * b.cols + k];
      out[i * b.rows + j] = s + K * ma[i] * mb[j];
    }
  return out;
}
