/**
 * The computed Gaussian-like code of the trellis formats (docs/trellis.md): a state s of L ≤ 16 bits maps
 * to a value with three integer operations and no table — QTIP's "1MAD" (Tseng et al., 2024): x = a·s + b
 * mod 2^32, then the sum of x's four bytes, centred. A sum of four near-uniform bytes is close to Gaussian
 * (bounded at ±510), which is what a rotated row looks like. Exact integers, so CPU and GPU agree.
 */
const MAD_A = 34038481;
const MAD_B = 76625530;

/** The code of state s: (sum of the bytes of a·s + b mod 2^32) − 510, an integer in [−510, 510]. */
export function madCode(s: number): number {
  const x = (Math.imul(s, MAD_A) + MAD_B) >>> 0;
  return (x & 255) + ((x >>> 8) & 255) + ((x >>> 16) & 255) + (x >>> 24) - 510;
}

/** The codes of all 2^L states. */
export function stateCodes(L: number): Int16Array {
  return Int16Array.from({ length: 2 ** L }, (_, s) => madCode(s));
}

/** Root mean square of the codes over the 2^L states (their values are code·gain/rms). */
export function codeRms(codes: Int16Array): number {
  let s = 0;
  for (const c of codes) s += c * c;
  return Math.sqrt(s / codes.length);
}
