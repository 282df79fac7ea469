/**
 * What ggml's block codecs and quantizers share (src/formats/ggml/blocks.ts, k-quants.ts): f16 fields in
 * a block's bytes, the signed element of largest magnitude, and Q4_K/Q5_K's packed 6-bit scales.
 */
import { f16BitsToF32, f32ToF16Bits } from '../f16.js';

/** The f16 at byte `at` (little-endian) as f32. */
export const half = (b: Uint8Array, at: number): number => f16BitsToF32(b[at] | (b[at + 1] << 8));

/** Stores v as f16 at byte `at` and returns the stored value as f32. */
export function putHalf(b: Uint8Array, at: number, v: number): number {
  const bits = f32ToF16Bits(v);
  b[at] = bits & 0xff;
  b[at + 1] = bits >> 8;
  return f16BitsToF32(bits);
}

/** The largest |x| in x[o … o + n) and the signed element that has it (the first on ties). */
export function signedAbsMax(x: ArrayLike<number>, o: number, n: number): { amax: number; max: number } {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < n; j++) {
    const v = x[o + j];
    if (Math.abs(v) > amax) {
      amax = Math.abs(v);
      max = v;
    }
  }
  return { amax, max };
}

/** Scale and min j (0…7) of Q4_K / Q5_K's 12 packed 6-bit scales at byte s. */
export function scaleMinK4(b: Uint8Array, s: number, j: number): [number, number] {
  if (j < 4) return [b[s + j] & 63, b[s + j + 4] & 63];
  return [(b[s + j + 4] & 15) | ((b[s + j - 4] >> 6) << 4), (b[s + j + 4] >> 4) | ((b[s + j] >> 6) << 4)];
}
