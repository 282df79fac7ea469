import { OptionsError } from '../errors.js';
/**
 * Information-theoretic reference curves for iid Gaussian data (docs/theory.md §2,
 * docs/theory.md §1). Rates are bits per matrix entry.
 */

/** R* solves 2^{2R} − 1 = 4·ln2·R (tangent from (0,1) to φ); docs/theory.md §2.1 gives 0.906324. */
export const R_STAR = solveRStar();

function solveRStar(): number {
  // Bisection on f(R) = 2^{2R} − 1 − 4 ln2 R, which is negative just above 0.5 and positive at 1.
  let lo = 0.6;
  let hi = 1.2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    const f = Math.pow(2, 2 * mid) - 1 - 4 * Math.LN2 * mid;
    if (f > 0) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}

/** Gaussian distortion–rate function of one unit-variance source: D(R) = 2^{−2R}. */
export function gaussianDistortionRate(rate: number): number {
  return Math.pow(2, -2 * rate);
}

/** φ(R) = 2·2^{−2R} − 2^{−4R}: product error of two MMSE Gaussian codes at rate R. */
export function phi(rate: number): number {
  const d = Math.pow(2, -2 * rate);
  return 2 * d - d * d;
}

/**
 * Γ(R): the lower bound on normalized product MSE for iid Gaussian operands each coded at R bits/entry
 * (docs/theory.md §2.1). Linear (time-sharing / sketching) below R*, φ(R) above.
 */
export function gammaBound(rate: number): number {
  if (!(rate >= 0)) throw new OptionsError('rate', `rate must be ≥ 0, got ${rate}`);
  if (rate >= R_STAR) return phi(rate);
  return 1 - ((1 - phi(R_STAR)) * rate) / R_STAR;
}

/** Rate loss of a scalar source code: ΔR = R + ½·log₂(MSE) bits above D(R) (unit variance). */
export function rateLoss(rate: number, mseValue: number): number {
  return rate + 0.5 * Math.log2(mseValue);
}

/** Gap of a product error to Γ at the same rate, in bits: ½·log₂(nmse / Γ(R)). */
export function gapToGammaBits(rate: number, productNmseValue: number): number {
  return 0.5 * Math.log2(productNmseValue / gammaBound(rate));
}
