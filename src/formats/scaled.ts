import { FormatError, ShapeError } from '../errors.js';
import { validateMatrix, type Matrix } from '../matrix.js';
import { unpackCode } from './bitpack.js';
import { E4M3, type ElementCodec } from './elements.js';
import { bitsToF32, f16BitsToF32, f32Bits, f32ToF16Bits } from './f16.js';
import {
  checkQuantized,
  encodeGroups,
  makeLayout,
  type Layout,
  type EncodeOptions,
  type QuantFormat,
  type QuantizedMatrix,
  type WgslSpec,
} from './format.js';
import { flushScale, ftz, MIN_SCALE, rneSqrt11, top12Bits } from './rounding.js';

/**
 * Group-scaled scalar formats: an element codec (minifloat, MX INT8, a codebook) applied to x/s, with
 * one scale s per group of entries along K. Scale rules:
 *  - 'f16' / 'f32': absmax, s = max|x|·fl(1/vmax) rounded to the storage type (FP-absmax, NF4);
 *  - 'e8m0': OCP MX, s = 2^(⌊log₂ max|x|⌋ − emax_elem), stored as a biased 8-bit exponent;
 *  - 'nvfp4': an f32 tensor scale S = amax·fl(1/2688) (kept in each row's aux word, so row windows are
 *    self-contained: 32 bits per row, counted) and per block an E4M3 code s_b = E4M3(amax_b / fl(6S)),
 *    at least 2^−9; the block scale is fl(S·s_b) (docs/theory.md §3.1, NVFP4 recipe);
 *  - 'rms': one scale per row, σ = RNE₁₁(√(fl(Σ top12(x)²)·fl(1/K))) (11 significant bits, f32 storage),
 *    for codebooks designed in σ units (the optimal-density quantizers). Every step is exact or
 *    order-fixed, so the GPU reproduces it bit for bit.
 * Codes use the stored scale; decode is s·value(code). GPU twin: shaders/formats/scaled*.wgsl.
 */
export type ScaleRule = 'f16' | 'f32' | 'e8m0' | 'nvfp4' | 'rms';

const SCALE_BITS: Record<ScaleRule, number> = { f16: 16, f32: 32, e8m0: 8, nvfp4: 8, rms: 32 };
const SCALE_KIND: Record<ScaleRule, number> = { f32: 0, f16: 1, e8m0: 2, nvfp4: 3, rms: 4 };

/** NVFP4's tensor scale maps the tensor max onto 448 (E4M3 max) × 6 (E2M1 max). */
const NVFP4_INV_TENSOR = Math.fround(1 / (448 * 6));

export interface ScaledFormatParams {
  readonly kind: 'scaled';
  readonly element: string;
  readonly group: number | 'row';
  readonly scale: ScaleRule;
}

/**
 * Group-scaled element codes: FP-absmax minifloats (E2M1…E5M2), OCP MX (E8M0 block scales), NVFP4, NF4 and codebook
 * (LUT) formats, one element codec and one scale rule.
 */
export class ScaledFormat implements QuantFormat {
  readonly params: ScaledFormatParams;
  readonly wgsl: WgslSpec;
  readonly invVmax: number;
  private readonly layouts = new Map<number, Layout>();

  /** Codebook formats (NF4, sq…): the levels the codes decode to. */
  readonly codebook?: readonly number[];

  /** `family`: the registration in formats/traits.ts this member belongs to ('fp', 'mx', 'nvfp4', 'nf4', 'sq'). */
  constructor(
    readonly id: string,
    readonly codec: ElementCodec,
    group: number | 'row',
    readonly scaleRule: ScaleRule,
    readonly family: string,
  ) {
    if (group !== 'row' && !(Number.isInteger(group) && group >= 1 && group <= 1 << 20)) {
      throw new FormatError(`group size must be a positive integer or 'row'; got ${String(group)}`);
    }
    this.codebook = codec.codebook;
    if (!Object.hasOwn(SCALE_BITS, scaleRule))
      throw new FormatError(`scale rule must be 'f16', 'f32', 'e8m0', 'nvfp4' or 'rms'; got ${String(scaleRule)}`);
    if (scaleRule === 'rms' && group !== 'row')
      throw new FormatError(`the 'rms' scale rule is per row (group 'row'); got group ${String(group)}`);
    this.params = { kind: 'scaled', element: codec.name, group, scale: scaleRule };
    this.invVmax = Math.fround(1 / codec.vmax);
    const nv = scaleRule === 'nvfp4';
    this.wgsl = {
      snippet: 'formats/scaled.wgsl',
      encodeSnippet: 'formats/scaled_encode.wgsl',
      parts: nv
        ? [
            'formats/streams.wgsl',
            'formats/groups.wgsl',
            codec.wgslSnippet,
            { snippet: E4M3.wgslSnippet, as: 'sc', constants: { ...E4M3.wgslConstants, BITS: E4M3.bits } },
            'formats/scale_nvfp4.wgsl',
          ]
        : [
            'formats/streams.wgsl',
            'formats/groups.wgsl',
            codec.wgslSnippet,
            scaleRule === 'rms' ? 'formats/scale_rms.wgsl' : 'formats/scale_absmax.wgsl',
          ],
      encodeParts: [
        'formats/group_words.wgsl',
        ...(nv
          ? ['formats/scale_nvfp4_encode.wgsl']
          : scaleRule === 'rms'
            ? ['formats/row_rms.wgsl', 'formats/scale_rms_encode.wgsl']
            : ['formats/scale_absmax_encode.wgsl']),
      ],
      encodeOrder: nv ? ['aux', 'scales', 'codes'] : ['scales', 'aux', 'codes'],
      needsTensorMax: nv,
      constants: {
        ...codec.wgslConstants,
        BITS: codec.bits,
        GROUP: group === 'row' ? 0 : group,
        SCALE_KIND: SCALE_KIND[scaleRule],
        SCALE_BITS: SCALE_BITS[scaleRule],
        INV_VMAX: { f32: this.invVmax },
        EMAX_ELEM: codec.emaxElem + 64,
        INV_TENSOR: { f32: NVFP4_INV_TENSOR },
      },
    };
  }

  layout(K: number): Layout {
    let l = this.layouts.get(K);
    if (!l) {
      if (!Number.isInteger(K) || K <= 0) throw new ShapeError(`K must be a positive integer, got ${K}`);
      const g = this.params.group === 'row' ? K : Math.min(this.params.group, K);
      const groups = Math.ceil(K / g);
      l = makeLayout(K, g, {
        codes: K * this.codec.bits,
        scales: groups * SCALE_BITS[this.scaleRule],
        aux: this.scaleRule === 'nvfp4' ? 32 : 0,
      });
      this.layouts.set(K, l);
    }
    return l;
  }

  private groupMax(data: Float32Array, start: number, end: number): number {
    let m = 0;
    for (let i = start; i < end; i++) m = Math.max(m, Math.abs(ftz(data[i])));
    return m;
  }

  /** NVFP4 tensor scale of a matrix: its max |x| times fl(1/2688); 0 below MIN_SCALE. */
  tensorScale(m: Matrix, absMax = this.groupMax(m.data, 0, m.data.length)): number {
    return flushScale(Math.fround(Math.abs(ftz(absMax)) * NVFP4_INV_TENSOR));
  }

  /** Stored scale bits for a group with max |x| = M (`tensor`: the NVFP4 tensor scale). */
  scaleBitsFor(M: number, tensor = 0): number {
    switch (this.scaleRule) {
      case 'f32':
        return f32Bits(flushScale(Math.fround(M * this.invVmax)));
      case 'f16':
        return f32ToF16Bits(flushScale(Math.fround(M * this.invVmax)));
      case 'e8m0': {
        if (M < MIN_SCALE) return 0; // zero group: any scale, all codes 0
        const e = ((f32Bits(M) >>> 23) & 0xff) - 127 - this.codec.emaxElem; // ⌊log₂ M⌋ − emax (M normal)
        return Math.min(254, Math.max(0, e + 127));
      }
      case 'rms':
        throw new FormatError('the rms scale comes from the whole row (rmsScaleBits), not from a group max');
      case 'nvfp4': {
        if (tensor === 0) return 1;
        const code = E4M3.encode(M, Math.fround(6 * tensor));
        return code === 0 ? 1 : code; // at least 2^−9
      }
    }
  }

  /** The scale value the codes are computed with and decoded by. */
  scaleValue(bits: number, tensor = 0): number {
    switch (this.scaleRule) {
      case 'f32':
        return bitsToF32(bits);
      case 'f16':
        return f16BitsToF32(bits);
      case 'e8m0':
        return bits === 0 ? 0 : 2 ** (bits - 127);
      case 'nvfp4':
        return flushScale(Math.fround(tensor * E4M3.value(bits)));
      case 'rms':
        return bitsToF32(bits);
    }
  }

  /** Stored σ bits of one row for the 'rms' rule (twin of scale_rms_encode.wgsl). */
  rmsScaleBits(data: Float32Array, start: number, end: number): number {
    let acc = 0;
    for (let i = start; i < end; i++) {
      const h = top12Bits(ftz(data[i]));
      acc = Math.fround(acc + ftz(h * h));
    }
    return f32Bits(flushScale(rneSqrt11(ftz(Math.fround(acc * Math.fround(1 / (end - start)))))));
  }

  checkRepresentable(m: Matrix, what: string): void {
    if (this.scaleRule === 'rms') {
      for (let i = 0; i < m.data.length; i++) {
        if (Math.abs(m.data[i]) >= 2 ** 62) {
          throw new FormatError(
            `${what}: |x| = ${Math.abs(m.data[i])} at index ${i} is too large for an RMS scale (squares ` +
              `overflow f32); scale the matrix down or use an absmax format`,
          );
        }
      }
      return;
    }
    if (this.scaleRule !== 'f16') return;
    const K = m.cols;
    const g = this.layout(K).groupSize;
    for (let r = 0; r < m.rows; r++) {
      for (let k0 = 0; k0 < K; k0 += g) {
        const end = Math.min(K, k0 + g);
        const bits = this.scaleBitsFor(this.groupMax(m.data, r * K + k0, r * K + end));
        if ((bits & 0x7c00) === 0x7c00) {
          throw new FormatError(
            `${what}: group at row ${r}, cols ${k0}..${end - 1} needs a scale beyond f16's 65504; use the ` +
              `f32-scale variant (${this.id}-f32)`,
          );
        }
      }
    }
  }

  encode(m: Matrix, options?: EncodeOptions): QuantizedMatrix {
    validateMatrix(m, 'encode input');
    this.checkRepresentable(m, 'encode input');
    const K = m.cols;
    const tensor = this.scaleRule === 'nvfp4' ? this.tensorScale(m, options?.tensorAbsMax) : 0;
    const q = encodeGroups(
      this,
      m,
      { code: this.codec.bits, scale: SCALE_BITS[this.scaleRule], aux: 0 },
      (r, start, end, rowCodes) => {
        const base = r * K;
        const sb =
          this.scaleRule === 'rms'
            ? this.rmsScaleBits(m.data, base + start, base + end)
            : this.scaleBitsFor(this.groupMax(m.data, base + start, base + end), tensor);
        const s = this.scaleValue(sb, tensor);
        for (let k = start; k < end; k++) rowCodes[k] = this.codec.encode(m.data[base + k], s);
        return { scale: sb, aux: 0 };
      },
    );
    // NVFP4 keeps the tensor scale in each row's aux word, so row windows are self-contained.
    if (q.aux.length) q.aux.fill(f32Bits(tensor));
    return q;
  }

  scaleOf(q: QuantizedMatrix, r: number, gi: number): number {
    const tensor = q.layout.wordsPerRow.aux ? bitsToF32(q.aux[r * q.layout.wordsPerRow.aux]) : 0;
    return this.scaleValue(
      unpackCode(q.scales, r * q.layout.wordsPerRow.scales, gi, SCALE_BITS[this.scaleRule]),
      tensor,
    );
  }

  decode(q: QuantizedMatrix): Matrix {
    checkQuantized(q, this);
    const K = q.cols;
    const { groupSize: g, wordsPerRow: wpr } = q.layout;
    const data = new Float32Array(q.rows * K);
    for (let r = 0; r < q.rows; r++) {
      for (let k = 0; k < K; k++) {
        const s = this.scaleOf(q, r, Math.floor(k / g));
        const c = unpackCode(q.codes, r * wpr.codes, k, this.codec.bits);
        data[r * K + k] = ftz(Math.fround(s * this.codec.value(c)));
      }
    }
    return { rows: q.rows, cols: K, data };
  }
}
