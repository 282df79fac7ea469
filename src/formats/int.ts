import { FormatError, ShapeError } from '../errors.js';
import { validateMatrix, type Matrix } from '../matrix.js';
import { unpackCode } from './bitpack.js';
import { f16BitsToF32, f32ToF16Bits, bitsToF32, f32Bits } from './f16.js';
import {
  checkQuantized,
  encodeGroups,
  makeLayout,
  type Layout,
  type QuantFormat,
  type QuantizedMatrix,
  type WgslSpec,
} from './format.js';
import { flushScale, ftz, roundDivExact, roundDivExactSigned, F32_MIN_NORMAL } from './rounding.js';

/**
 * Absmax / min–max integer formats in groups along K (docs/theory.md §3.1).
 *
 * Symmetric INT-b: Q = 2^{b−1}−1, s = M·fl(1/Q) with M the group's max |x|, q = clamp(RNE(x/s), −Q, Q),
 * stored as the unsigned code q + 2^{b−1} (INT4: −7..7 stored as 1..15, the ORT/MLC convention), x̂ = s·q.
 * Asymmetric INT-b: L = 2^b−1, lo = min(min x, 0), hi = max(max x, 0) (the range always holds 0, so the
 * zero point fits in b bits), s = (hi−lo)·fl(1/L), z = RNE(−lo/s), q = clamp(RNE(x/s)+z, 0, L), x̂ = s·(q−z).
 * Scales are rounded to the storage type first and the codes are computed with the stored scale.
 * RNE(x/s) is the exact real-arithmetic rounding (formats/rounding.ts), so GPU codes equal CPU codes.
 */
export type IntBits = 2 | 3 | 4 | 5 | 6 | 8;
/** Bit widths IntFormat supports. */
export const INT_BITS: readonly IntBits[] = [2, 3, 4, 5, 6, 8];
/** How a group scale is stored: f16 (two per word) or f32. */
export type ScaleType = 'f16' | 'f32';
/** The group sizes the tests and benches sweep (any positive integer or 'row' is accepted). */
export const GROUP_SIZES: readonly (number | 'row')[] = [16, 32, 64, 128, 'row'];

/** Parameters of an IntFormat. */
export interface IntFormatParams {
  readonly kind: 'int';
  readonly bits: IntBits;
  /** Entries per scale group along K, or 'row' for one group per row. */
  readonly group: number | 'row';
  readonly symmetric: boolean;
  readonly scale: ScaleType;
}

/** The format id of INT parameters, e.g. `int4-asym-g128-f32`. */
export function intFormatId(p: Omit<IntFormatParams, 'kind'>): string {
  return `int${p.bits}${p.symmetric ? '' : '-asym'}-g${p.group}${p.scale === 'f32' ? '-f32' : ''}`;
}

/**
 * Absmax (symmetric) or min–max (asymmetric) INT-b codes in groups along K, with f16 or f32 scales.
 *
 * @example
 * ```ts
 * const f = new IntFormat({ bits: 4, symmetric: true, group: 32, scale: 'f16' }); // = parseFormat('int4-g32')
 * const q = f.encode(W); const back = f.decode(q);
 * ```
 */
export class IntFormat implements QuantFormat {
  readonly id: string;
  readonly family = 'int';
  readonly params: IntFormatParams;
  readonly wgsl: WgslSpec;
  /** Largest |q| (symmetric) or largest code (asymmetric). */
  readonly qmax: number;
  /** fl32(1/qmax): multiplying by it instead of dividing keeps the scale exactly reproducible. */
  readonly invQmax: number;
  private readonly layouts = new Map<number, Layout>();

  constructor(params: Omit<IntFormatParams, 'kind'>) {
    const { bits, group, symmetric, scale } = params;
    if (!INT_BITS.includes(bits))
      throw new FormatError(`INT bit width must be one of ${INT_BITS.join(', ')}; got ${bits}`);
    if (group !== 'row' && !(Number.isInteger(group) && group >= 1 && group <= 1 << 20)) {
      throw new FormatError(
        `INT group size must be a positive integer (16, 32, 64, 128 are the usual ones) or 'row'; got ${String(group)}`,
      );
    }
    if (scale !== 'f16' && scale !== 'f32')
      throw new FormatError(`scale type must be 'f16' or 'f32'; got ${String(scale)}`);
    if (typeof symmetric !== 'boolean') throw new FormatError(`symmetric must be a boolean; got ${String(symmetric)}`);
    this.params = { kind: 'int', bits, group, symmetric, scale };
    this.id = intFormatId(params);
    this.qmax = symmetric ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    this.invQmax = Math.fround(1 / this.qmax);
    this.wgsl = {
      parts: ['formats/streams.wgsl', 'formats/groups.wgsl'],
      snippet: 'formats/int.wgsl',
      encodeSnippet: 'formats/int_encode.wgsl',
      encodeParts: ['formats/group_words.wgsl'],
      // code − offset fits a signed byte (asymmetric 8-bit does not), one scale per 8-block
      intBlocks: (symmetric || bits <= 7) && (group === 'row' || group % 8 === 0),
      affineBlocks: group === 'row' || group % 8 === 0,
      constants: {
        BITS: bits,
        GROUP: group === 'row' ? 0 : group,
        SYMMETRIC: symmetric,
        SCALE_F16: scale === 'f16',
        SCALE_BITS: scale === 'f16' ? 16 : 32,
        QMAX: this.qmax,
        INV_QMAX: { f32: this.invQmax },
      },
    };
  }

  private scaleBits(): number {
    return this.params.scale === 'f16' ? 16 : 32;
  }

  layout(K: number): Layout {
    let l = this.layouts.get(K);
    if (!l) {
      if (!Number.isInteger(K) || K <= 0) throw new ShapeError(`K must be a positive integer, got ${K}`);
      const g = this.params.group === 'row' ? K : Math.min(this.params.group, K);
      const groups = Math.ceil(K / g);
      l = makeLayout(K, g, {
        codes: K * this.params.bits,
        scales: groups * this.scaleBits(),
        aux: this.params.symmetric ? 0 : groups * this.params.bits,
      });
      this.layouts.set(K, l);
    }
    return l;
  }

  /** Scale as computed in f32 before storage rounding; 0 for an all-zero (or subnormal) group. */
  private rawScale(lo: number, hi: number): number {
    const range = this.params.symmetric ? Math.max(-lo, hi) : Math.fround(hi - lo);
    return flushScale(Math.fround(range * this.invQmax));
  }

  /** Storage bits of a scale and the value the decoder will see. */
  private storeScale(raw: number): { bits: number; value: number } {
    if (this.params.scale === 'f16') {
      const bits = f32ToF16Bits(raw);
      return { bits, value: f16BitsToF32(bits) };
    }
    const bits = f32Bits(raw);
    return { bits, value: bitsToF32(bits) };
  }

  private groupRange(data: Float32Array, start: number, end: number): { lo: number; hi: number } {
    let lo = 0;
    let hi = 0;
    for (let i = start; i < end; i++) {
      const v = ftz(data[i]);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return { lo, hi };
  }

  checkRepresentable(m: Matrix, what: string): void {
    if (this.params.scale !== 'f16') return;
    const { K } = this.layout(m.cols);
    const g = this.layout(m.cols).groupSize;
    for (let r = 0; r < m.rows; r++) {
      for (let k0 = 0; k0 < K; k0 += g) {
        const { lo, hi } = this.groupRange(m.data, r * K + k0, r * K + Math.min(K, k0 + g));
        const bits = f32ToF16Bits(this.rawScale(lo, hi));
        if ((bits & 0x7c00) === 0x7c00) {
          throw new FormatError(
            `${what}: group at row ${r}, cols ${k0}..${Math.min(K, k0 + g) - 1} needs scale ` +
              `${this.rawScale(lo, hi)}, ` +
              `beyond f16's 65504; use scale 'f32' (format ${intFormatId({ ...this.params, scale: 'f32' })})`,
          );
        }
      }
    }
  }

  encode(m: Matrix): QuantizedMatrix {
    validateMatrix(m, 'encode input');
    this.checkRepresentable(m, 'encode input');
    const { bits, symmetric } = this.params;
    const offset = 2 ** (bits - 1);
    const K = m.cols;
    return encodeGroups(
      this,
      m,
      { code: bits, scale: this.scaleBits(), aux: symmetric ? 0 : bits },
      (r, start, end, rowCodes) => {
        const base = r * K;
        const { lo, hi } = this.groupRange(m.data, base + start, base + end);
        const { bits: sb, value: s } = this.storeScale(this.rawScale(lo, hi));
        const z = !symmetric && s > 0 ? Math.min(this.qmax, roundDivExact(-lo, s)) : 0;
        for (let k = start; k < end; k++) {
          const x = ftz(m.data[base + k]);
          const q = s > 0 ? roundDivExactSigned(x, s) : 0;
          rowCodes[k] = symmetric
            ? Math.min(this.qmax, Math.max(-this.qmax, q)) + offset
            : Math.min(this.qmax, Math.max(0, q + z));
        }
        return { scale: sb, aux: z };
      },
    );
  }

  /** Stored scale value of group `gi` of row `r`. */
  scaleOf(q: QuantizedMatrix, r: number, gi: number): number {
    const off = r * q.layout.wordsPerRow.scales;
    if (this.params.scale === 'f16') return f16BitsToF32(unpackCode(q.scales, off, gi, 16));
    return bitsToF32(q.scales[off + gi]);
  }

  decode(q: QuantizedMatrix): Matrix {
    checkQuantized(q, this);
    const K = q.cols;
    const { groupSize: g, wordsPerRow: wpr } = q.layout;
    const { bits, symmetric } = this.params;
    const offset = 2 ** (bits - 1);
    const data = new Float32Array(q.rows * K);
    for (let r = 0; r < q.rows; r++) {
      for (let k = 0; k < K; k++) {
        const gi = Math.floor(k / g);
        const s = this.scaleOf(q, r, gi);
        const c = unpackCode(q.codes, r * wpr.codes, k, bits);
        const level = symmetric ? c - offset : c - unpackCode(q.aux, r * wpr.aux, gi, bits);
        data[r * K + k] = ftz(Math.fround(s * level));
      }
    }
    return { rows: q.rows, cols: K, data };
  }
}

export { F32_MIN_NORMAL };
