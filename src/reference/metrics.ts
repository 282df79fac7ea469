import { ShapeError } from '../errors.js';
/** Error metrics. Definitions follow docs/theory.md §1. */

type Vec = ArrayLike<number>;

function sameLength(a: Vec, b: Vec): void {
  if (a.length !== b.length) throw new ShapeError(`length mismatch: ${a.length} vs ${b.length}`);
}

/** ‖a − b‖_F / ‖b‖_F (b is the reference). Returns 0 when both are zero. NaN anywhere gives NaN. */
export function relativeFrobeniusError(a: Vec, reference: Vec): number {
  sameLength(a, reference);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - reference[i];
    num += d * d;
    den += reference[i] * reference[i];
  }
  if (den === 0) return num === 0 ? 0 : Infinity;
  return Math.sqrt(num / den);
}

/** Per-entry mean squared error. */
export function mse(a: Vec, reference: Vec): number {
  sameLength(a, reference);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - reference[i];
    s += d * d;
  }
  return s / a.length;
}

/** Σ x² in f64. */
export function sumSquares(a: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

/**
 * Normalized MSE of a product: ‖Y − Ŷ‖²_F / (‖X‖²_F·‖W‖²_F / K). For iid unit-variance operands this
 * is the per-entry product error divided by its energy, the quantity Γ(R) bounds (docs/theory.md §2.1).
 */
export function productNmse(yHat: Vec, yExact: Vec, xSumSquares: number, wSumSquares: number, K: number): number {
  sameLength(yHat, yExact);
  let s = 0;
  for (let i = 0; i < yHat.length; i++) {
    const d = yHat[i] - yExact[i];
    s += d * d;
  }
  return s / ((xSumSquares * wSumSquares) / K);
}
