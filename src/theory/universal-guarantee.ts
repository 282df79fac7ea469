/**
 * The universal scheme's guarantee measured (docs/universal.md): adversarial pairs of matrices, the bound
 * φ²‖ĀB̄ᵀ‖² + φ(1−φ)‖Ā‖²‖B̄‖²/n in Frobenius norms of the centred rows, and each scheme's error against it,
 * averaged over its shared randomness (dither and rotation seeds). Rows are the vectors here: A is a×n,
 * B is b×n, the product is C = A·Bᵀ (the engine's X·Wᵀ), n the inner dimension.
 */
import { FormatError } from '../errors.js';
import type { QuantFormat } from '../formats/format.js';
import { parseFormat } from '../formats/registry.js';
import { NestedLatticeFormat } from '../lattice/format.js';
import { centredProduct } from '../lattice/universal.js';
import type { Matrix } from '../matrix.js';
import { matmulF64 } from '../reference/matmul.js';
import { gaussianMatrix, Rng } from '../reference/random.js';

/** A named pair of operands. */
export interface MatrixPair {
  readonly name: string;
  readonly A: Matrix;
  readonly B: Matrix;
}

function fill(rows: number, n: number, f: (r: number, k: number) => number): Matrix {
  const data = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) for (let k = 0; k < n; k++) data[r * n + k] = f(r, k);
  return { rows, cols: n, data };
}

/**
 * The adversarial pairs of issue 22 plus the Gaussian control, a×n and b×n, from `seed`: rank one (every row a
 * multiple of one direction, the same for A and B), identical rows, one-hot / 4-sparse rows, a large common
 * offset (+100), Student-t ν = 2 and 1.5, strongly correlated rows (one shared direction + 10% noise), A = B.
 */
export function adversarialPairs(n: number, a: number, b: number, seed: number): MatrixPair[] {
  const rng = new Rng(seed);
  const g = (rows: number) => gaussianMatrix(rows, n, rng);
  const dir = Array.from({ length: n }, () => rng.normal());
  const coef = (rows: number) => Array.from({ length: rows }, () => rng.normal());
  const ca = coef(a);
  const cb = coef(b);
  const rowA = Array.from({ length: n }, () => rng.normal());
  const rowB = Array.from({ length: n }, () => rng.normal());
  const hot = (rows: number) => Array.from({ length: rows }, () => rng.int(0, n - 1));
  const ha = hot(a);
  const hb = Array.from({ length: b }, () => Array.from({ length: 4 }, () => rng.int(0, n - 1)));
  const t = (rows: number, nu: number) => fill(rows, n, () => rng.studentT(nu));
  const corr = (rows: number) => {
    const noise = g(rows);
    return fill(rows, n, (r, k) => dir[k] + 0.1 * noise.data[r * n + k]);
  };
  const same = g(a);
  const offset = (m: Matrix) => fill(m.rows, n, (r, k) => m.data[r * n + k] + 100);
  return [
    { name: 'gaussian (control)', A: g(a), B: g(b) },
    { name: 'rank one', A: fill(a, n, (r, k) => ca[r] * dir[k]), B: fill(b, n, (r, k) => cb[r] * dir[k]) },
    { name: 'identical rows', A: fill(a, n, (_r, k) => rowA[k]), B: fill(b, n, (_r, k) => rowB[k]) },
    {
      name: 'one-hot / 4-sparse',
      A: fill(a, n, (r, k) => (k === ha[r] ? 10 : 0)),
      B: fill(b, n, (r, k) => (hb[r].includes(k) ? 1 : 0)),
    },
    { name: 'offset +100', A: offset(g(a)), B: offset(g(b)) },
    { name: 'student-t ν=2', A: t(a, 2), B: t(b, 2) },
    { name: 'student-t ν=1.5', A: t(a, 1.5), B: t(b, 1.5) },
    { name: 'correlated rows', A: corr(a), B: corr(b) },
    { name: 'A = B', A: same, B: same },
  ];
}

/** Frobenius quantities of a pair with centred rows: ‖Ā‖², ‖B̄‖², ‖ĀB̄ᵀ‖² (f64). */
export function centredNorms(A: Matrix, B: Matrix): { a2: number; b2: number; c2: number } {
  const a = centredRows(A);
  const b = centredRows(B);
  const n = A.cols;
  let a2 = 0;
  let b2 = 0;
  let c2 = 0;
  for (const v of a) a2 += v * v;
  for (const v of b) b2 += v * v;
  for (let i = 0; i < A.rows; i++)
    for (let j = 0; j < B.rows; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * b[j * n + k];
      c2 += s * s;
    }
  return { a2, b2, c2 };
}

/**
 * The guarantee for a code of per-entry distortion D, shrunk by α on both operands (docs/universal.md §2):
 * E‖AᵀB − Ĉ‖² ≤ (1 − α²)²‖ĀB̄ᵀ‖² + α⁴((1+D)² − 1)‖Ā‖²‖B̄‖²/n. With the MMSE α = 1/(1+D) (the default) and
 * φ = 1 − α² it is φ²‖ĀB̄ᵀ‖² + φ(1−φ)‖Ā‖²‖B̄‖²/n; for the ideal code D = 1/(2^{2R} − 1) gives φ = φ(R).
 */
export function universalBound(
  norms: { a2: number; b2: number; c2: number },
  n: number,
  D: number,
  alpha = 1 / (1 + D),
): number {
  const a2 = alpha * alpha;
  return (1 - a2) ** 2 * norms.c2 + (a2 * a2 * ((1 + D) ** 2 - 1) * norms.a2 * norms.b2) / n;
}

/** A scheme under test: how it codes one pair for one trial, and the distortion constant its bound uses. */
export interface GuaranteeScheme {
  readonly name: string;
  /** Formats of A and B for trial t (the randomness: rotation and dither seeds). */
  formats(t: number): [QuantFormat, QuantFormat];
  /** Whether trials differ (false: a deterministic scheme, one trial is all there is). */
  readonly randomised: boolean;
}

/** The per-entry distortion D a format's bound uses (docs/universal.md §3): what it reaches on iid N(0,1) rows. */
export function gaussianDistortion(format: QuantFormat, n: number): number {
  if (format instanceof NestedLatticeFormat && format.centred) return format.expectedNmse;
  const x = gaussianMatrix(64, n, new Rng(0x6a0d));
  const d = format.decode(format.encode(x));
  let e = 0;
  let s = 0;
  for (let i = 0; i < x.data.length; i++) {
    e += (x.data[i] - d.data[i]) ** 2;
    s += x.data[i] ** 2;
  }
  return e / s;
}

/** Rows centred in f64. */
function centredRows(m: Matrix): Float64Array {
  const out = new Float64Array(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let k = 0; k < m.cols; k++) s += m.data[r * m.cols + k];
    for (let k = 0; k < m.cols; k++) out[r * m.cols + k] = m.data[r * m.cols + k] - s / m.cols;
  }
  return out;
}

/**
 * The expected squared error of the universal estimate given each row's distortion (da: A's rows, db: B's, in
 * units of the centred row's mean square) and the product of the two shrinkage factors α_Aα_B.
 */
export function predictedError(
  A: Matrix,
  B: Matrix,
  da: ArrayLike<number>,
  db: ArrayLike<number>,
  alphas: number,
): number {
  const a = centredRows(A);
  const b = centredRows(B);
  const n = A.cols;
  const norm2 = (m: Float64Array, r: number) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += m[r * n + k] ** 2;
    return s;
  };
  const na = Array.from({ length: A.rows }, (_, i) => norm2(a, i));
  const nb = Array.from({ length: B.rows }, (_, j) => norm2(b, j));
  let total = 0;
  for (let i = 0; i < A.rows; i++)
    for (let j = 0; j < B.rows; j++) {
      let c = 0;
      for (let k = 0; k < n; k++) c += a[i * n + k] * b[j * n + k];
      // per-entry distortions scale with each row's mean square ‖x̄‖²/n
      const ea = (da[i] * na[i]) / n;
      const eb = (db[j] * nb[j]) / n;
      total += (1 - alphas) ** 2 * c * c + alphas ** 2 * (eb * na[i] + ea * nb[j] + n * ea * eb);
    }
  return total;
}

/** One pair × scheme: mean squared error over trials, the bound, and how much of the error is bias. */
export interface GuaranteeRow {
  pair: string;
  scheme: string;
  /** Bits per entry of A's format, everything counted. */
  bits: number;
  /** The distortion constant D of the bound. */
  distortion: number;
  trials: number;
  /** E‖C − Ĉ‖²_F over trials. */
  meanSquaredError: number;
  bound: number;
  /** meanSquaredError / bound: ≤ 1 (up to sampling error) where the guarantee holds. */
  ratio: number;
  /**
   * Bias of the unshrunk estimate over trials: mean over entries of z² = ē²/(s²/T), divided by its expectation
   * (T−1)/(T−3) for an unbiased estimate (Student-t with T−1 degrees of freedom): ≈ 1 when unbiased, ≫ 1 when
   * biased; null for deterministic schemes (their whole error is bias) and T < 4.
   */
  biasZ2: number | null;
  /** ‖mean error‖² / mean ‖error‖² of the unshrunk estimate: 1/T when unbiased, 1 when the error is all bias. */
  biasShare: number;
  /**
   * Universal scheme only: the error its codes predict, Σ_ij (1−α²)²(ā_iᵀb̄_j)² + α⁴(D_j‖ā_i‖² + D_i‖b̄_j‖² +
   * n·D_i·D_j) with each row's own distortion D (NestedLatticeFormat.rowDistortions; the dither makes the error
   * uniform on the chosen cells, so this is its exact expectation up to the blocks' unequal energies), averaged
   * over trials, and measured / predicted; null otherwise.
   */
  predictedError: number | null;
  predictedRatio: number | null;
}

/**
 * The estimate of A·Bᵀ a scheme returns, shrunk (what it reports) and unshrunk (the shrinkage divided out,
 * for the bias check): two centred operands give the coded product + n·μ_a·μ_b; anything else the product
 * of the decoded matrices, shrunk by α_A·α_B with α = 1/(1+D).
 */
function estimate(
  fa: QuantFormat,
  fb: QuantFormat,
  A: Matrix,
  B: Matrix,
  da: number,
  db: number,
): { shrunk: Float64Array; unshrunk: Float64Array; predicted: number | null } {
  const qa = fa.encode(A);
  const qb = fb.encode(B);
  if (fa instanceof NestedLatticeFormat && fb instanceof NestedLatticeFormat && fa.centred && fb.centred) {
    const predicted = predictedError(A, B, fa.rowDistortions(qa), fb.rowDistortions(qb), fa.shrinkage * fb.shrinkage);
    const shrunk = centredProduct(fa, qa, fb, qb);
    const ma = fa.rowMeans(qa);
    const mb = fb.rowMeans(qb);
    const s = fa.shrinkage * fb.shrinkage;
    const unshrunk = shrunk.map((v, i) => {
      const mean = A.cols * ma[Math.floor(i / B.rows)] * mb[i % B.rows];
      return (v - mean) / s + mean;
    });
    return { shrunk, unshrunk, predicted };
  }
  const unshrunk = matmulF64(fa.decode(qa), fb.decode(qb));
  const s = 1 / ((1 + da) * (1 + db));
  return { shrunk: unshrunk.map((v) => v * s), unshrunk, predicted: null };
}

/** Measures `scheme` on `pair` over `trials` trials of its randomness. */
export function measureGuarantee(pair: MatrixPair, scheme: GuaranteeScheme, trials: number): GuaranteeRow {
  const n = pair.A.cols;
  if (pair.B.cols !== n) throw new FormatError(`pair '${pair.name}': A has ${n} columns, B ${pair.B.cols}`);
  const C = matmulF64(pair.A, pair.B);
  const T = scheme.randomised ? trials : 1;
  const [f0a, f0b] = scheme.formats(0);
  const da = gaussianDistortion(f0a, n);
  const db = gaussianDistortion(f0b, n);
  let mse = 0;
  const sum = new Float64Array(C.length);
  const sumSq = new Float64Array(C.length);
  let errSq = 0;
  let predicted: number | null = null;
  for (let t = 0; t < T; t++) {
    const [fa, fb] = scheme.formats(t);
    const est = estimate(fa, fb, pair.A, pair.B, da, db);
    const { shrunk, unshrunk } = est;
    if (est.predicted !== null) predicted = (predicted ?? 0) + est.predicted / T;
    for (let i = 0; i < C.length; i++) {
      mse += (C[i] - shrunk[i]) ** 2;
      const e = unshrunk[i] - C[i];
      sum[i] += e;
      sumSq[i] += e * e;
      errSq += e * e;
    }
  }
  mse /= T;
  let biasSq = 0;
  let z2 = 0;
  for (let i = 0; i < C.length; i++) {
    const m = sum[i] / T;
    biasSq += m * m;
    const v = T > 1 ? (sumSq[i] - T * m * m) / (T - 1) : 0;
    z2 += v > 0 ? (m * m) / (v / T) : 0;
  }
  const norms = centredNorms(pair.A, pair.B);
  const bound = universalBound(norms, n, Math.sqrt(da * db));
  return {
    pair: pair.name,
    scheme: scheme.name,
    bits: f0a.layout(n).bitsPerEntry,
    distortion: Math.sqrt(da * db),
    trials: T,
    meanSquaredError: mse,
    bound,
    ratio: mse / bound,
    biasZ2: T > 3 ? ((z2 / C.length) * (T - 3)) / (T - 1) : null,
    biasShare: biasSq / (errSq / T),
    predictedError: predicted,
    predictedRatio: predicted === null ? null : mse / predicted,
  };
}

/**
 * The schemes of the comparison at one E8 nesting ratio q (and the scalar formats of about the same rate):
 * universal, its two ablations, the plain NestQuant-style code (try-all β, no dither, no centring) and `scalar`
 * formats. Trial t uses rotation seed 1000 + t and dither seeds 2t + 1, 2t + 2 (A, B).
 */
export function guaranteeSchemes(q: number, scalar: readonly string[]): GuaranteeScheme[] {
  const lattice = (suffix: (t: number, side: 0 | 1) => string, name: string): GuaranteeScheme => ({
    name,
    randomised: true,
    formats: (t) => [
      parseFormat(`e8-q${q}-k4-s${1000 + t}${suffix(t, 0)}`),
      parseFormat(`e8-q${q}-k4-s${1000 + t}${suffix(t, 1)}`),
    ],
  });
  return [
    lattice((t, s) => `-u${2 * t + 1 + s}`, `universal e8-q${q}`),
    lattice((t, s) => `-u${2 * t + 1 + s}-nodither`, `undithered e8-q${q}`),
    lattice((t, s) => `-u${2 * t + 1 + s}-nocentre`, `uncentred e8-q${q}`),
    lattice(() => '', `NestQuant-style e8-q${q}-k4`),
    ...scalar.map(
      (id): GuaranteeScheme => ({ name: id, randomised: false, formats: () => [parseFormat(id), parseFormat(id)] }),
    ),
  ];
}
