import { f32Bits } from './f16.js';

/**
 * Exact decisions shared by every scalar encoder. The GPU twin is shaders/common/rounding.wgsl.
 *
 * A code must not hinge on the last bit of a quotient: WGSL division may be 2.5 ulp off and
 * subnormals may be flushed. Every decision is therefore reduced to the exact sign of a − b·s, where
 * a and s are f32 and the constant b has at most 12 significant bits (a grid midpoint, a binade edge,
 * a codebook threshold). In JS, b·s is exact in f64 (≤ 36 bits) and a − b·s is correctly rounded, so
 * its sign is exact. The GPU splits s into two 12-bit halves so that both products are exact.
 */

/** Round half to even, exact for f32 inputs (what WGSL's round() does; torch.round). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Smallest positive normal f32. Values below it are treated as zero on both CPU and GPU. */
export const F32_MIN_NORMAL = 1.1754943508222875e-38;

/** Flush f32 subnormals to zero (WGSL allows a GPU to do so; we make it the rule everywhere). */
export function ftz(x: number): number {
  return Math.abs(x) < F32_MIN_NORMAL ? 0 : x;
}

/**
 * Scales below this are treated as zero (the whole group quantizes to 0): it keeps every product of
 * a grid constant with a half of the scale a normal f32 on the GPU, so the exact comparisons stay exact.
 */
export const MIN_SCALE = 2 ** -64;

/** Cap on quotients: larger than any level count, small enough for (2q+1) to have ≤ 12 bits. */
export const QUOTIENT_CAP = 1024;

/** Exact sign of a − b·s for f32 a, s and a constant b with ≤ 12 significant bits. */
export function cmpScaled(a: number, b: number, s: number): -1 | 0 | 1 {
  const d = a - b * s;
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

/**
 * RNE(a / (s·step)) of the real quotient, for f32 a ≥ 0, normal s ≥ MIN_SCALE and a power-of-two
 * step, capped at QUOTIENT_CAP. A fast path when the quotient is clearly not near a half-integer,
 * otherwise the exact comparison of a with (fl + ½)·step·s.
 */
export function rneQuotient(a: number, s: number, step = 1): number {
  const t = a / s / step;
  if (!(t < QUOTIENT_CAP)) return QUOTIENT_CAP;
  const fl = Math.floor(t);
  const frac = t - fl;
  if (Math.abs(frac - 0.5) > 1e-3) return frac < 0.5 ? fl : fl + 1;
  const c = cmpScaled(a, (fl + 0.5) * step, s);
  if (c < 0) return fl;
  if (c > 0) return fl + 1;
  return fl % 2 === 0 ? fl : fl + 1;
}

/** RNE(a / s) for f32 a ≥ 0 and s > 0 (exact). */
export function roundDivExact(a: number, s: number): number {
  return rneQuotient(a, s, 1);
}

/** Exact RNE(x / s) for any f32 x and s > 0, symmetric in the sign of x (RNE is). */
export function roundDivExactSigned(x: number, s: number): number {
  const q = roundDivExact(Math.abs(x), s);
  return x < 0 ? -q : q;
}

/** Exact sign of x − b·s for signed f32 x and signed constant b (≤ 12 significant bits), s > 0. */
export function cmpScaledSigned(x: number, b: number, s: number): -1 | 0 | 1 {
  return cmpScaled(x, b, s);
}

/** A computed scale below MIN_SCALE (or subnormal) becomes 0: the group then quantizes to zero. */
export function flushScale(s: number): number {
  return s < MIN_SCALE ? 0 : s;
}

/** x with its mantissa cut to 12 significant bits (the GPU masks the same bits); its square is exact in f32. */
export function top12Bits(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  u[0] &= 0xfffff000;
  return f[0];
}

/** Unit in the last place of c at 11 significant bits (c > 0 normal). */
function ulp11(c: number): number {
  return 2 ** (Math.floor(Math.log2(c)) - 10);
}

/** RNE to 11 significant bits of √v, decided exactly (midpoints have 12 bits, so their squares are exact). */
export function rneSqrt11(v: number): number {
  if (!(v > 0)) return 0;
  const r = Math.sqrt(v);
  let u = ulp11(r);
  let c = Math.round(r / u) * u;
  for (let i = 0; i < 4; i++) {
    u = ulp11(c);
    const up = c + u / 2; // midpoint to the next 11-bit value
    const down = c - (c === 2 ** Math.floor(Math.log2(c)) ? u / 4 : u / 2); // a power of two's lower neighbour is finer
    if (up * up < v || (up * up === v && (c / u) % 2 === 1)) c += u;
    else if (down * down > v || (down * down === v && (c / u) % 2 === 1))
      c = c === 2 ** Math.floor(Math.log2(c)) ? c - u / 2 : c - u;
    else break;
  }
  return c;
}

/**
 * Row RMS scale as the GPU's row_rms.wgsl computes it: the 11-significant-bit RNE square root of
 * fl(Σ top12(x)²)·fl(1/n), the sum sequential (every square exact, so fusing cannot change it).
 */
export function rmsScale11(y: ArrayLike<number>, start: number, n: number): number {
  let acc = 0;
  for (let i = start; i < start + n; i++) {
    const h = top12Bits(ftz(y[i]));
    acc = Math.fround(acc + ftz(h * h));
  }
  return flushScale(rneSqrt11(ftz(Math.fround(acc * Math.fround(1 / n)))));
}

/** fl(1/M) for the 1024 11-bit mantissas M = 1024…2047: the reciprocal of σ = M·2^e is exact from it. */
export const RECIP11: readonly number[] = Array.from({ length: 1024 }, (_, i) => Math.fround(1 / (1024 + i)));

/**
 * fl(1/σ) for an 11-significant-bit σ > 0 (rmsScale11's scales), read the way the GPU does (table · 2^−e):
 * WGSL's division may be 2.5 ulp off, the table and a power of two are exact.
 */
export function reciprocalSigma(sigma: number): number {
  const bits = f32Bits(sigma);
  const e = ((bits >>> 23) & 0xff) - 127 - 10;
  const M = 1024 + ((bits >>> 13) & 1023);
  return RECIP11[M - 1024] * 2 ** -e;
}
