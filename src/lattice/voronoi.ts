import { FormatError } from '../errors.js';
import type { Lattice } from './lattices.js';

/**
 * Self-similar nested-lattice (Voronoi) code over L ⊃ qL (docs/lattice.md §3): a lattice point y
 * is sent as its coset c = G⁻¹y mod q ∈ [q]^n, and decoded as G·c − q·Q_L(G·c / q). Decoding gives y
 * back exactly iff Q_L(y / q) = 0 (no overload) — guaranteed by the translation-invariant tie rule.
 */
export interface VoronoiEncoded {
  /** Coset digits in [0, q). */
  readonly codes: number[];
  /** True when y lies outside q·V_L, so the decoder returns y − q·Q_L(y/q) ≠ y. */
  readonly overload: boolean;
}

function checkNesting(q: number): void {
  if (!Number.isInteger(q) || q < 2 || q > 256)
    throw new FormatError(`nesting ratio q must be an integer in [2, 256], got ${q}`);
}

/** Voronoi code of the lattice point 2y (doubled coordinates). */
export function voronoiEncodeTwice(lattice: Lattice, yTwice: ArrayLike<number>, q: number): VoronoiEncoded {
  const z = lattice.coordsFromTwice(yTwice);
  const codes = z.map((v) => ((v % q) + q) % q);
  const coarse = lattice.closestTwice(yTwice, 2 * q);
  return { codes, overload: coarse.some((v) => v !== 0) };
}

/** Decoded lattice point, doubled: 2·(G·c − q·Q_L(G·c/q)). */
export function voronoiDecodeTwice(lattice: Lattice, codes: ArrayLike<number>, q: number): number[] {
  const Y = lattice.twiceFromCoords(codes);
  const coarse = lattice.closestTwice(Y, 2 * q);
  return Y.map((v, i) => v - q * coarse[i]);
}

/** Real-valued convenience: encode x/β (rounded to a 2^-20 grid) and decode back to β·λ̂. */
export function voronoiRoundTrip(
  lattice: Lattice,
  x: ArrayLike<number>,
  q: number,
  beta = 1,
): { codes: number[]; overload: boolean; decoded: Float64Array } {
  checkNesting(q);
  const grid = 2 ** 20;
  const N = Array.from(x, (v) => Math.round((v / beta) * grid));
  const yTwice = lattice.closestTwice(N, grid);
  const enc = voronoiEncodeTwice(lattice, yTwice, q);
  const dec = voronoiDecodeTwice(lattice, enc.codes, q);
  return { ...enc, decoded: Float64Array.from(dec, (v) => (v / 2) * beta) };
}
