import { InternalError } from '../errors.js';
/**
 * Dense bit packing of b-bit codes into u32 words, one row at a time. Entry k of a row occupies bits
 * [k·b, k·b + b) of the row's bit stream, low bits first (so 4-bit codes put the lower k index in the low
 * nibble, as ONNX Runtime's MatMulNBits and MLC's q4f16 do). A code may straddle two words when 32 is not
 * a multiple of b. Each row starts on a fresh word, so rows are independently addressable.
 */

export function wordsForBits(bits: number): number {
  return Math.ceil(bits / 32);
}

/** Writes `count` codes of `bits` bits each into `out` starting at word `wordOffset`. */
export function packRow(
  codes: ArrayLike<number>,
  count: number,
  bits: number,
  out: Uint32Array,
  wordOffset: number,
): void {
  const words = wordsForBits(count * bits);
  out.fill(0, wordOffset, wordOffset + words);
  const mask = 2 ** bits - 1;
  for (let k = 0; k < count; k++) {
    const c = codes[k];
    if (c < 0 || c > mask || !Number.isInteger(c))
      throw new InternalError(`code ${c} at ${k} does not fit in ${bits} bits`);
    writeBits(out, wordOffset, k * bits, c, bits);
  }
}

/** Reads code `k` (of `bits` bits) from a row whose first word is `wordOffset`. */
export function unpackCode(words: Uint32Array, wordOffset: number, k: number, bits: number): number {
  return readBits(words, wordOffset, k * bits, bits);
}

/** Writes the low `width` ≤ 32 bits of `value` at bit `bit` of the row starting at word `wordOffset` (ORed in). */
export function writeBits(out: Uint32Array, wordOffset: number, bit: number, value: number, width: number): void {
  if (width === 0) return;
  const w = wordOffset + (bit >>> 5);
  const sh = bit & 31;
  out[w] = (out[w] | (value << sh)) >>> 0;
  if (sh + width > 32) out[w + 1] = (out[w + 1] | (value >>> (32 - sh))) >>> 0;
}

/** Reads `width` ≤ 32 bits at bit `bit` of the row starting at word `wordOffset`. */
export function readBits(words: Uint32Array, wordOffset: number, bit: number, width: number): number {
  if (width === 0) return 0;
  const w = wordOffset + (bit >>> 5);
  const sh = bit & 31;
  let v = words[w] >>> sh;
  if (sh + width > 32) v = (v | (words[w + 1] << (32 - sh))) >>> 0;
  return width === 32 ? v >>> 0 : (v & (2 ** width - 1)) >>> 0;
}
