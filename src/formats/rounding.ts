/**
 * Exact rounding decisions shared by every scalar encoder. The GPU twin is shaders/common/rounding.wgsl.
 *
 * WGSL division may be off by 2.5 ulp and subnormals may be flushed, so a code that hinged on the
 * last bit of a/s would differ between devices. Both sides instead compute the *exact* round-to-
 * nearest-even of the real quotient a/s: a fast path when a/s is clearly not near a half-integer, and an
 * exact comparison of 2a with (2f+1)·s otherwise (JS: products of ≤ 36 bits are exact in f64).
 */

/** Smallest positive normal f32. Values below it are treated as zero on both CPU and GPU. */
export const F32_MIN_NORMAL = 1.1754943508222875e-38;

/** Flush f32 subnormals to zero (WGSL allows a GPU to do so; we make it the rule everywhere). */
export function ftz(x: number): number {
  return Math.abs(x) < F32_MIN_NORMAL ? 0 : x;
}

/** Cap on quotients: larger than any level count, small enough for the exact path to be exact. */
export const QUOTIENT_CAP = 1024;

/**
 * RNE(a / s) for f32 values a ≥ 0 and s > 0 (s normal), capped at QUOTIENT_CAP. Exact in real arithmetic.
 */
export function roundDivExact(a: number, s: number): number {
  const t = a / s; // f64: within 1 ulp(f64) of the real quotient
  if (!(t < QUOTIENT_CAP)) return QUOTIENT_CAP;
  const fl = Math.floor(t);
  const frac = t - fl;
  if (Math.abs(frac - 0.5) > 1e-3) return frac < 0.5 ? fl : fl + 1;
  // Near a half-integer: compare 2a with (2fl+1)·s exactly (both sides exact in f64).
  const lhs = 2 * a;
  const rhs = (2 * fl + 1) * s;
  if (lhs < rhs) return fl;
  if (lhs > rhs) return fl + 1;
  return fl % 2 === 0 ? fl : fl + 1;
}

/** Exact RNE(x / s) for any f32 x and s > 0, symmetric in the sign of x (RNE is). */
export function roundDivExactSigned(x: number, s: number): number {
  const q = roundDivExact(Math.abs(x), s);
  return x < 0 ? -q : q;
}
