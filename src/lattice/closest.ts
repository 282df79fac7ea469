import { ShapeError } from '../errors.js';
/**
 * Exact closest-point algorithms for Z^n, D_n and E8 (Conway & Sloane; docs/lattice.md §2) on
 * rational inputs x = N / D with integer numerators N and an even integer denominator D.
 *
 * Ties are broken by one translation-invariant rule (docs/lattice.md §2): among the lattice points at
 * minimum distance, take the lexicographically largest. That is Q(x + ε) for an infinitesimal
 * ε = (ε₁ ≫ ε₂ ≫ … ≫ ε_n > 0), so Q(x + λ) = Q(x) + λ for every lattice vector λ, and the nested
 * (Voronoi) decoder recovers y exactly whenever it reports no overload.
 *
 * Every step is integer arithmetic (exact in f64 for |N|·D < 2^44), and the GPU twin
 * (shaders/lattice/closest.wgsl) runs the same steps in i32, so codes agree bit for bit.
 * Results are doubled (2y) so that E8's half-integer coset is integral too. The `…Into` forms
 * write into caller-owned scratch (the encoders call them millions of times).
 */

/** floor(a / b) for integers a and b > 0, exact. */
function floorDiv(a: number, b: number): number {
  let f = Math.floor(a / b);
  if (f * b > a) f--;
  else if ((f + 1) * b <= a) f++;
  return f;
}

/**
 * Z^n: per coordinate round half up (the ε rule) of (N_i − shift)/D. Writes f and the residuals
 * δ = N − shift − f·D ∈ [−D/2, D/2); returns Σ δ².
 */
function roundZn(N: ArrayLike<number>, D: number, shift: number, f: Float64Array, delta: Float64Array): number {
  const half = D / 2;
  let dist = 0;
  for (let i = 0; i < N.length; i++) {
    const n = N[i] - shift;
    const fi = floorDiv(n + half, D);
    f[i] = fi;
    const d = n - fi * D;
    delta[i] = d;
    dist += d * d;
  }
  return dist;
}

/**
 * D_n parity fix on a rounded f: when Σf is odd, move one coordinate to its second-nearest integer,
 * the one that costs least (largest |δ|). Equal costs: an upward move (smallest index) beats a
 * downward one (largest index) — the lexicographic tie rule. Returns the new Σ δ².
 */
function parityFixDn(n: number, D: number, f: Float64Array, delta: Float64Array, dist: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += f[i];
  if ((sum & 1) === 0) return dist;
  let best = 0;
  let bestAbs = -1;
  let bestUp = false;
  for (let i = 0; i < n; i++) {
    const up = delta[i] >= 0; // x ≥ f (δ = 0 counts as above f under ε > 0)
    const a = Math.abs(delta[i]);
    // Equal |δ|: a held upward move stays; a held downward move yields to any later one.
    if (a > bestAbs || (a === bestAbs && !bestUp)) {
      best = i;
      bestAbs = a;
      bestUp = up;
    }
  }
  const old = delta[best];
  f[best] += bestUp ? 1 : -1;
  delta[best] = bestUp ? old - D : old + D;
  return dist - old * old + delta[best] * delta[best];
}

/** Scratch for the closest-point routines (reuse one per thread of work). */
export class ClosestScratch {
  readonly f0: Float64Array;
  readonly d0: Float64Array;
  readonly f1: Float64Array;
  readonly d1: Float64Array;
  constructor(n: number) {
    this.f0 = new Float64Array(n);
    this.d0 = new Float64Array(n);
    this.f1 = new Float64Array(n);
    this.d1 = new Float64Array(n);
  }
}

export function closestZnTwiceInto(
  N: ArrayLike<number>,
  D: number,
  out: Float64Array | number[],
  s: ClosestScratch,
): void {
  roundZn(N, D, 0, s.f0, s.d0);
  for (let i = 0; i < N.length; i++) out[i] = 2 * s.f0[i];
}

export function closestDnTwiceInto(
  N: ArrayLike<number>,
  D: number,
  out: Float64Array | number[],
  s: ClosestScratch,
): void {
  parityFixDn(N.length, D, s.f0, s.d0, roundZn(N, D, 0, s.f0, s.d0));
  for (let i = 0; i < N.length; i++) out[i] = 2 * s.f0[i];
}

/** 2·Q_{E8}(N/D): the closer of the D8 and D8 + ½𝟙 candidates; equal distance → lexicographically larger. */
export function closestE8TwiceInto(
  N: ArrayLike<number>,
  D: number,
  out: Float64Array | number[],
  s: ClosestScratch,
): void {
  const dist0 = parityFixDn(8, D, s.f0, s.d0, roundZn(N, D, 0, s.f0, s.d0));
  const dist1 = parityFixDn(8, D, s.f1, s.d1, roundZn(N, D, D / 2, s.f1, s.d1));
  let useHalf = dist1 < dist0;
  if (dist0 === dist1) {
    // 2f0 vs 2f1+1 never tie coordinate-wise (parity differs), so the first coordinate decides.
    useHalf = 2 * s.f1[0] + 1 > 2 * s.f0[0];
  }
  for (let i = 0; i < 8; i++) out[i] = useHalf ? 2 * s.f1[i] + 1 : 2 * s.f0[i];
}

const scratch = new ClosestScratch(64);

/** 2·Q_{Z^n}(N/D) (allocating form). */
export function closestZnTwice(N: ArrayLike<number>, D: number): number[] {
  const out: number[] = new Array(N.length);
  closestZnTwiceInto(N, D, out, N.length <= 64 ? scratch : new ClosestScratch(N.length));
  return out;
}

/** 2·Q_{D_n}(N/D) (allocating form). */
export function closestDnTwice(N: ArrayLike<number>, D: number): number[] {
  const out: number[] = new Array(N.length);
  closestDnTwiceInto(N, D, out, N.length <= 64 ? scratch : new ClosestScratch(N.length));
  return out;
}

/** 2·Q_{E8}(N/D) (allocating form). */
export function closestE8Twice(N: ArrayLike<number>, D: number): number[] {
  if (N.length !== 8) throw new ShapeError(`E8 closest point needs 8 coordinates, got ${N.length}`);
  const out: number[] = new Array(8);
  closestE8TwiceInto(N, D, out, scratch);
  return out;
}
