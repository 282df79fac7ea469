/**
 * How a row's coset digits (Kp of them, each in [0, q)) sit in its codes stream (docs/lattice.md §4):
 *  - per block (`fieldPacking`): one mixed-radix field of ⌈log₂ q^n⌉ bits when q^n < 2^32 (E8, q = 14:
 *    31 bits for 8 digits: 0.068 bit of slack per digit), else n fields of ⌈log₂ q⌉ bits;
 *  - dense (`densePacking`, the `-dense` ids): q = 2^e·m with m odd; each digit d = lo + m·hi, its e high
 *    bits stored raw (Kp·e bits first), then the low parts in radix-m fields of G ≤ 3c digits (m^c < 2^20;
 *    G the least slack per digit) of ⌈log₂ m^G⌉ ≤ 60 bits, the row's last partial field ⌈log₂ m^r⌉ bits.
 *    q = 7, 14: fields of 21 digits in 59 bits, 0.002 bit of slack per digit (q = 5: 0.011; q = 3, 6, 12:
 *    29 digits in 46 bits, 0.001). A field v splits as A·D² + B·D + C (D = m^c) by two
 *    long divisions in 12-bit limbs, so the GPU decodes it with u32 arithmetic (lattice/nested.wgsl).
 */
import { InternalError } from '../errors.js';
import { packRow, readBits, unpackCode, writeBits } from '../formats/bitpack.js';
import type { WgslConstant } from '../formats/format.js';
import { digitLayout, packDigits, unpackDigits } from './block-coder.js';

export interface DigitPacking {
  readonly dense: boolean;
  /** Bits of a row of Kp digits. */
  rowBits(Kp: number): number;
  /** Writes a row's Kp digits at word `offset` of `codes` (whose row words are zero). */
  pack(digits: ArrayLike<number>, Kp: number, codes: Uint32Array, offset: number): void;
  /** Reads a row's Kp digits from word `offset` of `codes` into `out`. */
  unpack(codes: Uint32Array, offset: number, Kp: number, out: number[]): void;
  /** The WGSL constants of its decoder (nested.wgsl's FMT_DENSE_*). */
  readonly constants: Readonly<Record<string, WgslConstant>>;
}

/** Per-block fields (digitLayout). */
export function fieldPacking(q: number, n: number): DigitPacking {
  const l = digitLayout(q, n);
  return {
    dense: false,
    rowBits: (Kp) => (Kp / n) * l.blockBits,
    pack(digits, Kp, codes, offset) {
      const fields: number[] = [];
      for (let b = 0; b < Kp / n; b++)
        fields.push(
          ...packDigits(
            Array.from({ length: n }, (_, i) => digits[b * n + i]),
            q,
            l.radix,
          ),
        );
      packRow(fields, fields.length, l.fieldBits, codes, offset);
    },
    unpack(codes, offset, Kp, out) {
      const fields = new Array<number>(l.fields);
      for (let b = 0; b < Kp / n; b++) {
        for (let f = 0; f < l.fields; f++) fields[f] = unpackCode(codes, offset, b * l.fields + f, l.fieldBits);
        const d = unpackDigits(fields, q, n, l.radix);
        for (let i = 0; i < n; i++) out[b * n + i] = d[i];
      }
    },
    constants: {
      DENSE: false,
      DENSE_E: 0,
      DENSE_M: 1,
      DENSE_C: 1,
      DENSE_G: 3,
      DENSE_D: 1,
      DENSE_FIELD_BITS: 0,
      DENSE_TAIL_BITS: { f32array: [0, 0, 0] },
      DENSE_INV_POW: { f32array: [1, 1] },
    },
  };
}

/** Bits of m^r − 1: the smallest b with 2^b ≥ m^r. */
function radixBits(m: number, r: number): number {
  const v = BigInt(m) ** BigInt(r);
  let b = 0;
  while (1n << BigInt(b) < v) b++;
  return b;
}

/** Dense packing (see above); q must have an odd factor m > 1 (a power of two packs exactly per block). */
export function densePacking(q: number): DigitPacking {
  let e = 0;
  while (q % 2 ** (e + 1) === 0) e++;
  const m = q / 2 ** e;
  if (m === 1) throw new InternalError(`dense digit packing of q = ${q}: a power of two already packs exactly`);
  let c = 1;
  while (m ** (c + 1) < 2 ** 20) c++;
  // G ≤ 3c digits per field (v < D³ keeps the three-chunk split): the G with the least slack per digit
  let G = 1;
  const slack = (g: number) => (radixBits(m, g) - g * Math.log2(m)) / g;
  for (let g = 2; g <= 3 * c; g++) if (slack(g) <= slack(G)) G = g;
  const D = BigInt(m) ** BigInt(c);
  const fieldBits = radixBits(m, G);
  const tailBits = Array.from({ length: G }, (_, r) => radixBits(m, r));
  const layout = (Kp: number) => ({ loStart: Kp * e, full: Math.floor(Kp / G), tail: Kp % G });
  const width = (Kp: number, f: number) => (f < Math.floor(Kp / G) ? fieldBits : tailBits[Kp % G]);
  return {
    dense: true,
    rowBits: (Kp) => Kp * e + Math.floor(Kp / G) * fieldBits + tailBits[Kp % G],
    pack(digits, Kp, codes, offset) {
      const { loStart, full, tail } = layout(Kp);
      for (let i = 0; i < Kp; i++) writeBits(codes, offset, i * e, Math.floor(digits[i] / m), e);
      for (let f = 0; f < full + (tail ? 1 : 0); f++) {
        let v = 0n;
        for (let p = Math.min(G, Kp - f * G) - 1; p >= 0; p--) v = v * BigInt(m) + BigInt(digits[f * G + p] % m);
        const bits = width(Kp, f);
        const at = loStart + f * fieldBits;
        writeBits(codes, offset, at, Number(v & 0xffffffffn), Math.min(32, bits));
        if (bits > 32) writeBits(codes, offset, at + 32, Number(v >> 32n), bits - 32);
      }
    },
    unpack(codes, offset, Kp, out) {
      const { loStart, full, tail } = layout(Kp);
      for (let f = 0; f < full + (tail ? 1 : 0); f++) {
        const bits = width(Kp, f);
        const at = loStart + f * fieldBits;
        let v = BigInt(readBits(codes, offset, at, Math.min(32, bits)));
        if (bits > 32) v |= BigInt(readBits(codes, offset, at + 32, bits - 32)) << 32n;
        for (let p = 0; p < Math.min(G, Kp - f * G); p++) {
          out[f * G + p] = Number(v % BigInt(m));
          v /= BigInt(m);
        }
      }
      for (let i = 0; i < Kp; i++) out[i] += m * readBits(codes, offset, i * e, e);
    },
    constants: {
      DENSE: true,
      DENSE_E: e,
      DENSE_M: m,
      DENSE_C: c,
      DENSE_G: G,
      DENSE_D: Number(D),
      DENSE_FIELD_BITS: fieldBits,
      DENSE_TAIL_BITS: { f32array: tailBits },
      // fl(1/m^j), j = 0..c: the decoder's exact floors of v/m^j for v < 2^20
      DENSE_INV_POW: { f32array: Array.from({ length: c + 1 }, (_, j) => Math.fround(1 / m ** j)) },
    },
  };
}
