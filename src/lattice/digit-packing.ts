/**
 * How a row's coset digits (Kp of them, each in [0, q)) sit in its codes stream (docs/lattice.md §4):
 *  - per block (`fieldPacking`): one mixed-radix field of ⌈log₂ q^n⌉ bits when q^n < 2^32 (E8, q = 14:
 *    31 bits for 8 digits: 0.068 bit of slack per digit), else n fields of ⌈log₂ q⌉ bits;
 *  - dense (`densePacking`, the `-dense` ids): q = 2^e·m with m odd; each digit d = lo + m·hi, the e high
 *    bits of every digit stored raw (Kp·e bits first), then the low parts of two blocks per field
 *    (`densePacking`). The GPU takes a block's half of a field apart with one long division in u32 limbs
 *    (lattice/nested.wgsl) and its digits as the plain radix field's.
 */
import { FormatError } from '../errors.js';
import { packRow, readBits, unpackCode, writeBits } from '../formats/bitpack.js';
import type { WgslConstant } from '../formats/format.js';
import { digitLayout } from './block-coder.js';

export interface DigitPacking {
  /** Bits of a row of Kp digits. */
  rowBits(Kp: number): number;
  /** Writes a row's Kp digits at word `offset` of `codes` (whose row words are zero). */
  pack(digits: ArrayLike<number>, Kp: number, codes: Uint32Array, offset: number): void;
  /** Reads a row's Kp digits from word `offset` of `codes` into `out` (FormatError naming `row` if corrupt). */
  unpack(codes: Uint32Array, offset: number, Kp: number, out: number[], row: number): void;
  /** The WGSL constants of its decoder (nested.wgsl's FMT_DENSE_*). */
  readonly constants: Readonly<Record<string, WgslConstant>>;
}

/** Per-block fields (digitLayout). */
export function fieldPacking(q: number, n: number): DigitPacking {
  const l = digitLayout(q, n);
  return {
    rowBits: (Kp) => (Kp / n) * l.blockBits,
    pack(digits, Kp, codes, offset) {
      if (!l.radix) return packRow(digits, Kp, l.fieldBits, codes, offset);
      // one field per block: v = Σ d_i·q^i
      const fields = new Array<number>(Kp / n);
      for (let b = 0; b < fields.length; b++) {
        let v = 0;
        for (let i = n - 1; i >= 0; i--) v = v * q + digits[b * n + i];
        fields[b] = v;
      }
      packRow(fields, fields.length, l.fieldBits, codes, offset);
    },
    unpack(codes, offset, Kp, out) {
      if (!l.radix) {
        for (let i = 0; i < Kp; i++) out[i] = unpackCode(codes, offset, i, l.fieldBits);
        return;
      }
      for (let b = 0; b < Kp / n; b++) {
        let v = unpackCode(codes, offset, b, l.fieldBits);
        for (let i = 0; i < n; i++) {
          out[b * n + i] = v % q;
          v = Math.floor(v / q);
        }
      }
    },
    constants: {
      DENSE: false,
      DENSE_E: 0,
      DENSE_M: 1,
      DENSE_MN: 1,
      DENSE_PAIR_BITS: 0,
      DENSE_ONE_BITS: 0,
      DENSE_LIMB: 1,
      DENSE_STEPS: 0,
      DENSE_SPLIT: 1,
      DENSE_SPLIT_DIGITS: 0,
    },
  };
}

/** The smallest b with 2^b ≥ v. */
function bitsFor(v: bigint): number {
  let b = 0;
  while (1n << BigInt(b) < v) b++;
  return b;
}

/**
 * Dense packing (see above): q = 2^e·m with m odd, m^n < 2^31. A block's low parts form x = Σ lo_i·m^i < M
 * = m^n; two blocks share a field v = x_even + M·x_odd of ⌈log₂M²⌉ bits (a row's lone last block:
 * ⌈log₂M⌉ bits). E8 with m = 7 (q = 7, 14, 28, 56, 224): 16 digits in 45 bits, 0.005 bit of slack per
 * digit (the per-block field: 0.068).
 */
export function densePacking(q: number, n: number): DigitPacking {
  let e = 0;
  while (q % 2 ** (e + 1) === 0) e++;
  const m = q / 2 ** e;
  if (m === 1) throw new FormatError(`dense digit packing needs q with an odd factor (q = ${q} already packs exactly)`);
  const M = BigInt(m) ** BigInt(n);
  const oneBits = bitsFor(M);
  if (oneBits > 31) throw new FormatError(`dense digit packing needs m^n < 2^31 for q = 2^e·m (q = ${q}, n = ${n})`);
  const pairBits = bitsFor(M * M);
  // long division of a pair by M in limbs of `limb` bits: remainder·2^limb + limb < 2^32
  const limb = 32 - oneBits;
  const h = Math.floor(n / 2);
  const rowBits = (Kp: number) => {
    const blocks = Kp / n;
    return Kp * e + Math.floor(blocks / 2) * pairBits + (blocks % 2) * oneBits;
  };
  /** x of block b (its low parts in radix m). */
  const lowValue = (digits: ArrayLike<number>, b: number) => {
    let x = 0n;
    for (let i = n - 1; i >= 0; i--) x = x * BigInt(m) + BigInt(digits[b * n + i] % m);
    return x;
  };
  const writeField = (codes: Uint32Array, offset: number, at: number, v: bigint, bits: number) => {
    writeBits(codes, offset, at, Number(v & 0xffffffffn), Math.min(32, bits));
    if (bits > 32) writeBits(codes, offset, at + 32, Number(v >> 32n), bits - 32);
  };
  const readField = (codes: Uint32Array, offset: number, at: number, bits: number) => {
    let v = BigInt(readBits(codes, offset, at, Math.min(32, bits)));
    if (bits > 32) v |= BigInt(readBits(codes, offset, at + 32, bits - 32)) << 32n;
    return v;
  };
  return {
    rowBits,
    pack(digits, Kp, codes, offset) {
      const blocks = Kp / n;
      for (let i = 0; i < Kp; i++) writeBits(codes, offset, i * e, Math.floor(digits[i] / m), e);
      for (let b = 0; b < blocks; b += 2) {
        const at = Kp * e + (b / 2) * pairBits;
        if (b + 1 < blocks) writeField(codes, offset, at, lowValue(digits, b) + M * lowValue(digits, b + 1), pairBits);
        else writeField(codes, offset, at, lowValue(digits, b), oneBits);
      }
    },
    unpack(codes, offset, Kp, out, row) {
      const blocks = Kp / n;
      for (let b = 0; b < blocks; b++) {
        const at = Kp * e + Math.floor(b / 2) * pairBits;
        const lone = b % 2 === 0 && b + 1 === blocks;
        const v = readField(codes, offset, at, lone ? oneBits : pairBits);
        let x = lone ? v : b % 2 ? v / M : v % M;
        if (x >= M)
          throw new FormatError(`corrupt lattice code at row ${row}, block ${b}: its dense field exceeds m^n`);
        for (let i = 0; i < n; i++) {
          out[b * n + i] = Number(x % BigInt(m)) + m * readBits(codes, offset, (b * n + i) * e, e);
          x /= BigInt(m);
        }
      }
    },
    constants: {
      DENSE: true,
      DENSE_E: e,
      DENSE_M: m,
      DENSE_MN: Number(M),
      DENSE_PAIR_BITS: pairBits,
      DENSE_ONE_BITS: oneBits,
      DENSE_LIMB: limb,
      DENSE_STEPS: Math.ceil(pairBits / limb),
      // x = hi·m^h + lo, both halves < 2^21: their digits come from exact f32 floors
      DENSE_SPLIT: m ** h,
      DENSE_SPLIT_DIGITS: h,
    },
  };
}
