/**
 * Weight-only quantization with a known input covariance: WaterSIC (waterfilled steps c/L_jj with
 * least-squares shrinkage) and GPTQ/LDLQ (one step for every column), both through the same SIC loop
 * (sic.ts), both rate-searched to a target entropy and entropy-coded per column with rANS, so the
 * reported rate is coded bits (docs/theory.md §5).
 *
 * Column coding: each column has its own step, hence its own integer distribution; one rANS table per
 * column codes it at its own entropy (pooled coding would pay I(Z; column), +0.38 bit on a diagonal Σ).
 */
import { ShapeError } from '../errors.js';
import { sicInterferenceExcess } from '../theory/waterfill.js';
import { buildTable, empiricalEntropy, ransDecode, ransEncode, tableBits, type RansTable } from '../entropy/rans.js';
import { cholesky, logDet, pivots, weightedMse } from './linalg.js';
import { sic } from './sic.js';

/** The SIC variant: 'watersic' (steps c/L_jj, shrinkage) or 'gptq' (one step for every column). */
export type WeightOnlyMethod = 'watersic' | 'gptq';

/** Σ_X prepared for SIC: dead inputs dropped, damped, and its Cholesky factor. */
export interface CalibratedHessian {
  n: number;
  /** Σ_X restricted to the live inputs, damped: H = Σ + λI, λ = percdamp·mean(diag Σ). */
  H: Float64Array;
  live: number[];
  dead: number[];
}

/**
 * Dead inputs (diag Σ ≤ 0 or below 1e-3·median of the diagonal) are dropped (their weights become 0,
 * 16 bits of index each); the rest is damped so its Cholesky factor exists even when Σ is singular.
 */
export function prepareHessian(sigma: Float64Array, n: number, percdamp = 1e-4): CalibratedHessian {
  if (sigma.length !== n * n) throw new ShapeError(`Σ_X has ${sigma.length} entries, expected ${n}×${n}`);
  for (let i = 0; i < sigma.length; i++)
    if (!Number.isFinite(sigma[i]))
      throw new ShapeError(`Σ_X has a non-finite entry at (${Math.floor(i / n)}, ${i % n})`);
  const diag = Array.from({ length: n }, (_, i) => sigma[i * n + i]);
  const sorted = [...diag].sort((x, y) => x - y);
  const median = sorted[Math.floor(n / 2)];
  const live: number[] = [];
  const dead: number[] = [];
  diag.forEach((d, i) => {
    (d > 0 && d >= 1e-3 * median ? live : dead).push(i);
  });
  const m = live.length;
  const H = new Float64Array(m * m);
  let mean = 0;
  for (const i of live) mean += diag[i] / Math.max(1, m);
  const lambda = percdamp * mean;
  for (let r = 0; r < m; r++)
    for (let c = 0; c < m; c++) H[r * m + c] = sigma[live[r] * n + live[c]] + (r === c ? lambda : 0);
  return { n, H, live, dead };
}

/**
 * A weight matrix quantized for its input statistics: integer codes, column scales, rANS streams and the measured
 * error.
 */
export interface WeightOnlyResult {
  method: WeightOnlyMethod;
  rows: number;
  cols: number;
  /** Reconstruction a×n (dead columns 0). */
  What: Float64Array;
  /** Integer codes of the live columns, a×live row-major, and their f16 column scales. */
  Z: Int32Array;
  scales: Float64Array;
  live: number[];
  /** Coded bytes per live column (rANS) and their tables, or one stream and table for the whole layer. */
  coded: Uint8Array[];
  tables: RansTable[];
  /** Mean per-column empirical entropy of the codes, bits per entry of W. */
  entropyBits: number;
  /** rANS-coded bits of the codes per entry of W. */
  codedBits: number;
  /** Side information per entry: 16-bit column scales, rANS tables, 16-bit dead-column indices. */
  sideBits: number;
  /** codedBits + sideBits. */
  totalBits: number;
  /** WMSE per entry tr(EΣEᵀ)/(a·n) under the undamped Σ. */
  wmse: number;
  /** The transformed-domain step c (WaterSIC) or the common step Δ (GPTQ) the search chose. */
  step: number;
  /** Predicted finite-rate excess of the SIC loop over its high-rate gap (theory/waterfill.ts), bits/entry. */
  interferenceExcessBits: number;
}

/**
 * rANS streams of Z's columns with one table per column (each column's own statistics), or with
 * `smaller` whichever takes fewer bits in all of that, one table for the layer with a stream per column,
 * and one table and one stream for the whole layer (columns back to back): short columns pay for a table
 * and for a stream's 4-byte final state more than they save (a 24-row column: 1.3 bits per entry).
 * Side bits count the tables and a 16-bit scale per column. A single stream is returned as `coded` of
 * length 1 (decodeWeightOnly splits it).
 */
function codeColumns(
  Z: Int32Array,
  a: number,
  m: number,
  mode: 'column' | 'smaller',
): { coded: Uint8Array[]; tables: RansTable[]; sideBits: number } {
  const col = new Int32Array(a);
  const columns = Array.from({ length: m }, (_, j) => {
    for (let r = 0; r < a; r++) col[r] = Z[r * m + j];
    return col.slice();
  });
  const option = (coded: Uint8Array[], tables: RansTable[]) => {
    const sideBits = 16 * m + [...new Set(tables)].reduce((s, t) => s + tableBits(t), 0);
    return { coded, tables, sideBits, total: sideBits + 8 * coded.reduce((s, c) => s + c.length, 0) };
  };
  const perColumn = columns.map((c) => buildTable(c));
  const options = [
    option(
      columns.map((c, j) => ransEncode(c, perColumn[j])),
      perColumn,
    ),
  ];
  if (mode === 'smaller') {
    // One table object shared by every column: side bits count distinct tables.
    const shared = buildTable(Z);
    options.push(
      option(
        columns.map((c) => ransEncode(c, shared)),
        columns.map(() => shared),
      ),
    );
    const all = new Int32Array(a * m);
    for (let j = 0; j < m; j++) all.set(columns[j], j * a);
    options.push(option([ransEncode(all, shared)], [shared]));
  }
  const best = options.reduce((x, y) => (y.total < x.total ? y : x));
  return { coded: best.coded, tables: best.tables, sideBits: best.sideBits };
}

function codeEntropy(Z: Int32Array, a: number, m: number): number {
  const col = new Int32Array(a);
  let h = 0;
  for (let j = 0; j < m; j++) {
    for (let r = 0; r < a; r++) col[r] = Z[r * m + j];
    h += empiricalEntropy(col);
  }
  return h / m;
}

/**
 * Quantizes W (a×n, f64 row-major) for inputs with covariance `sigma` (n×n) at a target code entropy
 * of `rate` bits per live entry (side information comes on top and is reported apart).
 */
export function quantizeWeightOnly(
  W: Float64Array,
  a: number,
  n: number,
  sigma: Float64Array,
  rate: number,
  method: WeightOnlyMethod,
  options: {
    percdamp?: number;
    searchRows?: number;
    maxAbs?: number;
    /** rANS coding: a table per column (default), or `smaller`: the fewest bits of that, a shared table, one stream. */
    tables?: 'column' | 'smaller';
  } = {},
): WeightOnlyResult {
  if (W.length !== a * n) throw new ShapeError(`W has ${W.length} entries, expected ${a}×${n}`);
  if (!(rate > 0)) throw new ShapeError(`rate must be positive, got ${rate}`);
  const hess = prepareHessian(sigma, n, options.percdamp);
  const m = hess.live.length;
  if (m === 0) throw new ShapeError('every input is dead (Σ_X has no usable diagonal)');
  const L = cholesky(hess.H, m);
  const Wl = new Float64Array(a * m);
  for (let r = 0; r < a; r++) for (let c = 0; c < m; c++) Wl[r * m + c] = W[r * n + hess.live[c]];
  const Ljj = Array.from({ length: m }, (_, j) => L[j * m + j]);
  const secondMoments = Array.from({ length: m }, (_, j) => {
    let s = 0;
    for (let r = 0; r < a; r++) s += Wl[r * m + j] ** 2;
    return s / a;
  });
  // Starting point from the high-rate formula: c² = 12·GM(s_j·d_j)·2^(−2R) (§3.4 step 3).
  let lnc = 0;
  for (let j = 0; j < m; j++) lnc += Math.log(Math.max(12 * secondMoments[j] * Ljj[j] ** 2, 1e-300)) / 2 / m;
  lnc -= rate * Math.LN2;
  const gm = Math.exp(Ljj.reduce((s, l) => s + Math.log(l), 0) / m);
  const stepFor = (x: number) => (method === 'watersic' ? (j: number) => Math.exp(x) / Ljj[j] : () => Math.exp(x) / gm);
  // Bisection on ln(step) for the target entropy, on rows spread evenly over W (real rows are not
  // exchangeable: a CTC head's first rows are ASCII classes), then one full run.
  const sample = Math.min(a, options.searchRows ?? Math.max(2048, Math.ceil(a / 4)));
  const Ws = sample === a ? Wl : new Float64Array(sample * m);
  if (sample < a)
    for (let i = 0; i < sample; i++)
      Ws.set(Wl.subarray(Math.floor((i * a) / sample) * m, (Math.floor((i * a) / sample) + 1) * m), i * m);
  const shrink = method === 'watersic';
  const entropyAt = (x: number) => codeEntropy(sic(Ws, sample, m, L, stepFor(x), shrink, options.maxAbs).Z, sample, m);
  const run = (x: number) => sic(Wl, a, m, L, stepFor(x), shrink, options.maxAbs);
  let lo = lnc - 1;
  let hi = lnc + 1;
  // Finer steps raise the entropy until it saturates: a column of a rows holds at most log2(a) bits, and
  // maxAbs caps it too (a detector's 1-row output layer: 0 bits at any step). Then the target is out of
  // reach and the coarsest step of the saturated entropy is kept (same bits, least clamping).
  let reachable = true;
  for (let prev = -1, h = entropyAt(lo); h < rate; prev = h, h = entropyAt(lo)) {
    if (h <= prev + 1e-9) {
      reachable = false;
      lo += 1;
      break;
    }
    lo -= 1;
  }
  while (reachable && entropyAt(hi) > rate) hi += 1;
  for (let it = 0; reachable && it < 30 && hi - lo > 1e-4; it++) {
    const mid = (lo + hi) / 2;
    if (entropyAt(mid) > rate) lo = mid;
    else hi = mid;
  }
  const x = reachable ? (lo + hi) / 2 : lo;
  const res = run(x);
  const What = new Float64Array(a * n);
  for (let r = 0; r < a; r++) for (let c = 0; c < m; c++) What[r * n + hess.live[c]] = res.What[r * m + c];
  const { coded, tables, sideBits: tableSide } = codeColumns(res.Z, a, m, options.tables ?? 'column');
  const side = 16 * hess.dead.length + tableSide;
  const E = new Float64Array(a * n);
  for (let i = 0; i < E.length; i++) E[i] = W[i] - What[i];
  const codedBits = (8 * coded.reduce((s, c) => s + c.length, 0)) / (a * n);
  const sideBits = side / (a * n);
  return {
    method,
    rows: a,
    cols: n,
    What,
    Z: res.Z,
    scales: res.scales,
    live: hess.live,
    coded,
    tables,
    entropyBits: (codeEntropy(res.Z, a, m) * m) / n,
    codedBits,
    sideBits,
    totalBits: codedBits + sideBits,
    wmse: weightedMse(E, a, sigma, n),
    step: Math.exp(x),
    interferenceExcessBits: (sicInterferenceExcess(L, m, stepFor(x), secondMoments) * m) / n,
  };
}

/** ln det(Σ)/n and the LDL pivots of Σ (undamped, all inputs), for the bounds. */
export function covarianceStats(sigma: Float64Array, n: number): { logDetPerN: number; pivots: Float64Array } {
  const L = cholesky(sigma, n);
  return { logDetPerN: logDet(L, n) / n, pivots: pivots(L, n) };
}

/** Ŵ (a×n) from what is stored: the coded columns, their tables and f16 scales, the live-column list. */
export function decodeWeightOnly(
  stored: Pick<WeightOnlyResult, 'rows' | 'cols' | 'coded' | 'tables' | 'scales' | 'live'>,
): Float64Array {
  const { rows: a, cols: n } = stored;
  const W = new Float64Array(a * n);
  const m = stored.live.length;
  // One stream for the layer (codeColumns' `smaller`): the live columns back to back.
  const whole =
    stored.coded.length === 1 && m > 1 ? ransDecode(stored.coded[0], a * m, stored.tables[0], 'layer') : null;
  stored.live.forEach((i, j) => {
    const z = whole
      ? whole.subarray(j * a, (j + 1) * a)
      : ransDecode(stored.coded[j], a, stored.tables[j], `column ${i}`);
    for (let r = 0; r < a; r++) W[r * n + i] = stored.scales[j] * z[r];
  });
  return W;
}
