/**
 * Limits for weight-only quantization under a known input covariance Σ_X (docs/theory.md §5):
 * D_IT(R) = σ_W²·det(Σ_X)^{1/n}·2^{−2R} at high rate, reverse waterfilling below it, and GPTQ's
 * predicted gap 0.2546 + ½·log₂(AM/GM of the LDL pivots).
 */

/** ½·log₂(2πe/12): the gap of a scalar lattice (uniform quantiser) with ideal entropy coding. */
export const SCALAR_GAP_BITS = 0.5 * Math.log2((2 * Math.PI * Math.E) / 12);

/** High-rate limit per entry: σ_W²·exp(ln det Σ / n)·2^{−2R}. */
export function dIT(sigmaW2: number, logDetPerN: number, rate: number): number {
  return sigmaW2 * Math.exp(logDetPerN) * 2 ** (-2 * rate);
}

/** GPTQ (SIC with equal steps, entropy-coded) gap to D_IT in bits, from the LDL pivots d. */
export function gptqPredictedGap(d: ArrayLike<number>): number {
  let am = 0;
  let lg = 0;
  for (let i = 0; i < d.length; i++) {
    am += d[i];
    lg += Math.log(d[i]);
  }
  am /= d.length;
  const gm = Math.exp(lg / d.length);
  return SCALAR_GAP_BITS + 0.5 * Math.log2(am / gm);
}

/**
 * The finite-rate excess of a SIC quantizer over its high-rate gap, in bits per entry. Column j is
 * rounded after the errors of the columns decided before it (k > j) have been fed back through L, so
 * what it codes is its own signal (variance s_j·L_jj², s_j = the column's second moment) plus that
 * feedback, Σ_{k>j} (α_k·L_kj)²/12 with α_k the W-domain step of column k. The feedback is rounding
 * noise the decoder never sees, so its entropy is paid for: ½·log₂(1 + feedback/signal) per column.
 * Negligible at high rate and for a diagonal Σ (L diagonal); ≈ 0.016 bit at R = 3 for a randomly
 * rotated Σ with eigenvalues log-uniform on [0.01, 1] — what lifts WaterSIC's measured gap above 0.2546.
 */
export function sicInterferenceExcess(
  L: Float64Array,
  n: number,
  step: (j: number) => number,
  columnSecondMoment: ArrayLike<number>,
): number {
  let excess = 0;
  for (let j = 0; j < n; j++) {
    let feedback = 0;
    for (let k = j + 1; k < n; k++) feedback += (step(k) * L[k * n + j]) ** 2 / 12;
    const signal = columnSecondMoment[j] * L[j * n + j] ** 2;
    if (signal > 0) excess += 0.5 * Math.log2(1 + feedback / signal);
  }
  return excess / n;
}

/**
 * Reverse waterfilling over component variances v_k = σ_W²·λ_k: the least D per entry at rate R
 * (bits per entry), D(θ) = mean min(θ, v_k) with θ set so that mean ½·log₂⁺(v_k/θ) = R.
 */
export function reverseWaterfilling(variances: ArrayLike<number>, rate: number): { D: number; theta: number } {
  const v = Array.from(variances);
  const rateAt = (theta: number) => v.reduce((s, x) => s + (x > theta ? 0.5 * Math.log2(x / theta) : 0), 0) / v.length;
  let lo = Math.min(...v) * 2 ** (-2 * rate - 2);
  let hi = Math.max(...v);
  for (let i = 0; i < 200; i++) {
    const mid = Math.sqrt(lo * hi);
    if (rateAt(mid) > rate) lo = mid;
    else hi = mid;
  }
  const theta = Math.sqrt(lo * hi);
  return { D: v.reduce((s, x) => s + Math.min(theta, x), 0) / v.length, theta };
}

/**
 * Entropy power 2^{2h}/(2πe) of the values' distribution, h estimated from a histogram (bin width
 * 2·IQR·N^{−1/3}): what replaces σ_W² in D_IT for non-Gaussian weights (it equals σ² for a Gaussian
 * and is smaller for anything else, so the bound drops and the gap to it grows).
 */
export function entropyPower(values: ArrayLike<number>): number {
  const v = Float64Array.from(values).sort();
  const N = v.length;
  const iqr = v[Math.floor(0.75 * (N - 1))] - v[Math.floor(0.25 * (N - 1))];
  const width = (2 * iqr) / Math.cbrt(N);
  if (!(width > 0)) return 0;
  const counts = new Map<number, number>();
  for (const x of v) {
    const b = Math.floor(x / width);
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  let h = 0;
  for (const c of counts.values()) h -= (c / N) * Math.log2(c / N);
  h += Math.log2(width);
  return 2 ** (2 * h) / (2 * Math.PI * Math.E);
}
