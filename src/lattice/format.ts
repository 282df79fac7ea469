import { FormatError } from '../errors.js';
import { validateMatrix, type Matrix } from '../matrix.js';
import { packRow, unpackCode } from '../formats/bitpack.js';
import { bitsToF32, f32Bits } from '../formats/f16.js';
import {
  checkQuantized,
  makeLayout,
  type CodingDomain,
  type Layout,
  type QuantFormat,
  type QuantizedMatrix,
  type WgslSpec,
} from '../formats/format.js';
import { ftz, RECIP11, reciprocalSigma, rmsScale11 } from '../formats/rounding.js';
import type { HadamardRotation } from '../transforms/hadamard.js';
import { RowTransform } from '../transforms/row-transform.js';
import { BlockCoder, digitLayout, FIXED_POINT, toFixedPoint } from './block-coder.js';
import { densePacking, fieldPacking, type DigitPacking } from './digit-packing.js';
import { latticeByName, type Lattice } from './lattices.js';
import { ClosestScratch } from './closest.js';
import { blockDither, cellSecondMoment, ditherKey, gaugeLimitTwice, gaugeTwice, rowMean } from './universal.js';

/**
 * NestQuant-style nested-lattice matrix format (docs/lattice.md §4): per row, a random Hadamard rotation
 * along K, an RMS scale σ, then blocks of n = dim(L) entries, each coded as a Voronoi code of L ⊃ qL
 * at one of k scalings β (the coarse cell is σ·β·V_L; the fine lattice step is σ·β/q), the β of each
 * block chosen by minimum error. Stored per row:
 *  - codes:  per block its coset digits, one mixed-radix field of ⌈log₂ q^n⌉ bits when q^n < 2^32
 *            (E8, q = 14: 31 bits for 8 entries), else n fields of ⌈log₂ q⌉ bits; `-dense`: two blocks'
 *            digits per field (digit-packing.ts; E8, q = 14: 0.005 bit of slack per digit);
 *  - aux:    per block the β index, ⌈log₂ k⌉ bits;
 *  - scales: σ as f32 (11 significant bits, the exact RMS rule of the 'rms' scalar formats).
 * bits/entry counts all of it plus the rotation's padding (Kp − K zeros are stored like data).
 *
 * Exactness: t = RNE(fl(y·m_j)) with m_j = fl(a_j·fl(1/σ)), a_j = fl(256·q/β_j); 1/σ is exact because
 * σ has 11 significant bits (the GPU reads fl(1/M) from a table). β index: argmin of err_j·w_j,
 * w_j = (16·β_j)², an exact integer product (β_j are multiples of 1/16). Decode:
 * x̂ = fl(fl(2λ̂_i·fl(β_j/(2q)))·σ) in the rotated domain.
 */
export interface NestedLatticeParams {
  readonly lattice: string;
  readonly q: number;
  /** Coarse-cell scales β (multiples of 1/16, ascending), in units of the row RMS. */
  readonly betas: readonly number[];
  /** Seed of the random Hadamard rotation, or null for none. */
  readonly rotationSeed: number | null;
  /**
   * The universal scheme (docs/universal.md) with this dither seed: rows centred (μ stored), a subtractive
   * dither uniform over the fine cell, β by the no-overload gauge rule, MMSE shrinkage in the decode.
   * Null or absent: the plain NestQuant-style code. The two operands of a product need different seeds.
   */
  readonly ditherSeed?: number | null;
  /** Universal scheme ablations (docs/universal.md §4): no dither (`-nodither`), no centring (`-nocentre`). */
  readonly dither?: boolean;
  readonly centre?: boolean;
  /** Universal scheme: the per-entry error D̄ its β give a unit-RMS Gaussian row (sets the shrinkage α = 1/(1+D̄)). */
  readonly universalNmse?: number;
  /** Dense digit packing (`-dense`, digit-packing.ts): the stored rate within ≈ 0.01 bit of the information rate. */
  readonly dense?: boolean;
}

export const DEFAULT_ROTATION_SEED = 0x5eed;
/** β values are multiples of 1/16 in [1/16, 256] so that (16β)² is an exact ≤ 24-bit integer. */
export const BETA_UNIT = 16;

function checkBetas(betas: readonly number[]): void {
  if (betas.length < 1 || betas.length > 16)
    throw new FormatError(`a nested-lattice format needs 1 to 16 scalings β, got ${betas.length}`);
  for (const b of betas) {
    if (!(b * BETA_UNIT >= 1 && b * BETA_UNIT <= 4096 && Number.isInteger(b * BETA_UNIT)))
      throw new FormatError(`β = ${b} must be a multiple of 1/${BETA_UNIT} in [1/${BETA_UNIT}, 256]`);
  }
  for (let i = 1; i < betas.length; i++)
    if (!(betas[i] > betas[i - 1]))
      throw new FormatError(`β values must be strictly ascending, got ${betas.join(', ')}`);
}

function nestedLatticeId(p: NestedLatticeParams, tag?: string): string {
  const rot =
    p.rotationSeed === null ? '-norot' : p.rotationSeed === DEFAULT_ROTATION_SEED ? '' : `-s${p.rotationSeed}`;
  const uni =
    p.ditherSeed == null
      ? ''
      : `-u${p.ditherSeed}${p.dither === false ? '-nodither' : ''}${p.centre === false ? '-nocentre' : ''}`;
  return `${p.lattice.toLowerCase()}-q${p.q}-${tag ?? `b${p.betas.join('_')}`}${rot}${uni}${p.dense ? '-dense' : ''}`;
}

/**
 * Nested-lattice (Voronoi) codes over E8, D_n or Z^n with a random Hadamard rotation along K, a per-row σ and k
 * scalings β per block (NestQuant-style), e.g. `e8-q14-k4`.
 */
export class NestedLatticeFormat implements QuantFormat {
  readonly family = 'lattice';
  readonly id: string;
  readonly params: NestedLatticeParams & { readonly kind: 'lattice' };
  readonly lattice: Lattice;
  readonly q: number;
  readonly betas: readonly number[];
  readonly n: number;
  readonly digits: ReturnType<typeof digitLayout>;
  /** How a row's digits sit in its codes (per-block fields, or dense). */
  readonly packing: DigitPacking;
  readonly indexBits: number;
  /** a_j = fl(256·q/β_j). */
  readonly encodeFactors: readonly number[];
  /** fl(β_j / (2q)). */
  readonly decodeSteps: readonly number[];
  /** (16·β_j)². */
  readonly errorWeights: readonly number[];
  /** Universal scheme: its dither seed (null: the plain code). */
  readonly ditherSeed: number | null;
  /** Universal scheme: MMSE shrinkage α = 1/(1 + D̄) applied by the decode (1 for the plain code). */
  readonly shrinkage: number;
  readonly wgsl: WgslSpec;
  readonly coding: CodingDomain = { paddedK: (K) => this.paddedK(K), rotation: (K) => this.rotation(K) };
  readonly centred?: { readonly meanWord: number; readonly ditherSeed: number; readonly subtractMean: boolean };
  /** Universal scheme: whether blocks are dithered (false only in the `-nodither` ablation). */
  readonly dithered: boolean;
  private readonly layouts = new Map<number, Layout>();
  private readonly transform: RowTransform;

  /**
   * Expected per-entry MSE for unit-RMS rows: the β optimiser's value on its Gaussian sample when it
   * fitted the β, else the granular estimate with equal β usage.
   */
  readonly expectedNmse: number;

  constructor(p: NestedLatticeParams, id?: string, expectedNmse?: number) {
    const lattice = latticeByName(p.lattice);
    if (lattice.dim > 8)
      throw new FormatError(`lattice blocks of more than 8 entries are not supported on the GPU (${lattice.name})`);
    if (!Number.isInteger(p.q) || p.q < 2 || p.q > 256)
      throw new FormatError(`nesting ratio q must be an integer in [2, 256], got ${p.q}`);
    checkBetas(p.betas);
    if (
      p.rotationSeed !== null &&
      !(Number.isInteger(p.rotationSeed) && p.rotationSeed >= 0 && p.rotationSeed < 2 ** 32)
    )
      throw new FormatError(`rotation seed must be a u32 or null, got ${p.rotationSeed}`);
    if (p.rotationSeed !== null && (lattice.dim & (lattice.dim - 1)) !== 0)
      throw new FormatError(
        `the Hadamard rotation needs a power-of-two block; ${lattice.name} has ${lattice.dim} (use rotationSeed: null)`,
      );
    const ditherSeed = p.ditherSeed ?? null;
    if (ditherSeed !== null) {
      if (!(Number.isInteger(ditherSeed) && ditherSeed >= 0 && ditherSeed < 2 ** 32))
        throw new FormatError(`dither seed must be a u32, got ${ditherSeed}`);
      if (p.q < 3) throw new FormatError(`the universal scheme needs q ≥ 3 (no-overload margin q − 2), got ${p.q}`);
      if (p.dense) throw new FormatError('dense digit packing is not offered for the universal scheme');
    }
    this.lattice = lattice;
    this.q = p.q;
    this.betas = [...p.betas];
    this.n = lattice.dim;
    this.transform = new RowTransform(p.rotationSeed, this.n, this.n);
    this.ditherSeed = ditherSeed;
    this.dithered = ditherSeed !== null && p.dither !== false;
    if (ditherSeed !== null) this.centred = { meanWord: 1, ditherSeed, subtractMean: p.centre !== false };
    const universalNmse =
      p.universalNmse ??
      (this.betas.reduce((a, b) => a + (b / p.q) ** 2, 0) / this.betas.length) * cellSecondMoment(lattice);
    this.shrinkage = ditherSeed === null ? 1 : 1 / (1 + universalNmse);
    this.params = {
      kind: 'lattice',
      lattice: lattice.name,
      q: p.q,
      betas: this.betas,
      rotationSeed: p.rotationSeed,
      ...(ditherSeed === null
        ? {}
        : { ditherSeed, universalNmse, dither: p.dither !== false, centre: p.centre !== false }),
      ...(p.dense ? { dense: true } : {}),
    };
    this.id = id ?? nestedLatticeId(this.params);
    this.digits = digitLayout(p.q, this.n);
    this.packing = p.dense ? densePacking(p.q, this.n) : fieldPacking(p.q, this.n);
    this.indexBits = Math.ceil(Math.log2(this.betas.length));
    this.encodeFactors = this.betas.map((b) => Math.fround((FIXED_POINT * p.q) / b));
    // Universal: the decode works on 128·2λ̂ − d (1/256 units, dither subtracted) and folds in the shrinkage.
    this.decodeSteps = this.betas.map((b) =>
      ditherSeed === null ? Math.fround(b / (2 * p.q)) : Math.fround((this.shrinkage * b) / (FIXED_POINT * p.q)),
    );
    this.errorWeights = this.betas.map((b) => (b * BETA_UNIT) ** 2);
    this.expectedNmse =
      expectedNmse ??
      (ditherSeed !== null ? universalNmse : undefined) ??
      (this.betas.reduce((a, b) => a + (b / p.q) ** 2, 0) / this.betas.length) *
        lattice.nsm *
        lattice.det ** (2 / lattice.dim);
    this.wgsl = {
      parts: [
        'formats/streams.wgsl',
        'lattice/closest.wgsl',
        'lattice/nested.wgsl',
        'lattice/e8_decode.wgsl',
        'lattice/universal.wgsl',
      ],
      snippet: 'formats/lattice.wgsl',
      // dense rows are packed on the CPU (engine.quantize encodes there and uploads); the GPU decodes them
      ...(p.dense
        ? {}
        : {
            encodeSnippet: 'formats/lattice_encode.wgsl',
            encodeParts: ['formats/row_rms.wgsl'],
            encodeOrder: ['scales', 'aux', 'codes'] as const,
          }),
      // 8-dim blocks as doubled integer points: the Voronoi cell of qL lies in [−q, q]^8 (2e_i ∈ D8 ⊂ E8),
      // so |2λ̂_i| ≤ 2q fits a signed byte for q ≤ 63
      // (not for the universal scheme: its decoded values are 128·2λ̂ − d, not small integers)
      intBlocks: this.n === 8 && p.q <= 63 && ditherSeed === null,
      constants: {
        LATTICE: lattice.name === 'E8' ? 0 : lattice.name.startsWith('D') ? 1 : 2,
        DIM: this.n,
        Q: p.q,
        RADIX: this.digits.radix,
        FIELD_BITS: this.digits.fieldBits,
        ...radixSplit(p.q, this.n),
        // the vector-form E8 decoder (lattice/e8_decode.wgsl) needs the radix field split in 4 + 4 digits
        // (dense: x = hi·m^4 + lo, both < 13^4)
        E8_FAST:
          lattice.name === 'E8' && (!!p.dense || (this.digits.radix && radixSplit(p.q, this.n).SPLIT_DIGITS === 4)),
        BITS: this.digits.fieldBits, // streams.wgsl's FMT_code width (unused by the lattice decode)
        FIELDS: this.digits.fields,
        BLOCK_BITS: this.digits.blockBits,
        INDEX_BITS: this.indexBits,
        NBETA: this.betas.length,
        ENC_FACTORS: { f32array: this.encodeFactors },
        DEC_STEPS: { f32array: this.decodeSteps },
        ERR_WEIGHTS: { f32array: this.errorWeights },
        RECIP11: { f32array: RECIP11 },
        UNIVERSAL: ditherSeed !== null,
        DITHER: ditherSeed !== null && p.dither !== false,
        DITHER_SEED: ditherSeed ?? 0,
        GAUGE_LIMIT2: gaugeLimitTwice(p.q),
        GAUGE_KIND: lattice.name === 'E8' ? 0 : lattice.name.startsWith('D') ? 1 : 2,
        ...this.packing.constants,
      },
    };
  }

  /** The rotation applied along K (null when the format has none). */
  rotation(K: number): HadamardRotation | null {
    return this.transform.rotation(K);
  }

  /** Stored row length: the rotation's Kp, or K rounded up to whole blocks. */
  paddedK(K: number): number {
    return this.transform.paddedK(K);
  }

  layout(K: number): Layout {
    let l = this.layouts.get(K);
    if (!l) {
      const Kp = this.paddedK(K);
      const blocks = Kp / this.n;
      const codeBits = this.packing.rowBits(Kp);
      const inner = makeLayout(Kp, this.n, {
        codes: codeBits,
        scales: this.scaleWords * 32,
        aux: blocks * this.indexBits,
      });
      const padBits =
        32 * (inner.wordsPerRow.codes + inner.wordsPerRow.scales + inner.wordsPerRow.aux) -
        codeBits -
        this.scaleWords * 32 -
        blocks * this.indexBits;
      // Same words, but rates are per *logical* entry; the (Kp − K) stored zeros count as padding.
      const codeShare = (codeBits * K) / Kp;
      l = {
        ...inner,
        K,
        codedK: Kp,
        bitsPerRow: {
          codes: codeShare,
          scales: this.scaleWords * 32,
          aux: (blocks * this.indexBits * K) / Kp,
          padding: padBits + ((codeBits + blocks * this.indexBits) * (Kp - K)) / Kp,
        },
        bitsPerEntry: (32 * (inner.wordsPerRow.codes + inner.wordsPerRow.scales + inner.wordsPerRow.aux)) / K,
      };
      this.layouts.set(K, l);
    }
    return l;
  }

  /**
   * MMSE shrinkage factor α = 1/(1 + D) for a decoded operand with normalised MSE D (docs/lattice.md §6,
   * §3.5): multiply a product of two decoded operands by α_X·α_W. It never hurts for Gaussian-like
   * rows and gains ≈ 2D of the product error.
   */
  get mmseShrinkage(): number {
    // the universal decode already applies its α
    return this.ditherSeed === null ? 1 / (1 + this.expectedNmse) : 1;
  }

  /** Per-row f32 words in the scales stream: σ, and the row mean μ for the universal scheme. */
  get scaleWords(): number {
    return this.ditherSeed === null ? 1 : 2;
  }

  /** Information rate log₂q + (index bits)/n + 32/K per scale word, before word rounding (docs/lattice.md §4). */
  nominalRate(K: number): number {
    return Math.log2(this.q) + this.indexBits / this.n + (32 * this.scaleWords) / K;
  }

  checkRepresentable(m: Matrix, what: string): void {
    for (let i = 0; i < m.data.length; i++) {
      if (Math.abs(m.data[i]) >= 2 ** 56)
        throw new FormatError(
          `${what}: |x| = ${Math.abs(m.data[i])} at index ${i} is too large for a nested-lattice format (its ` +
            `RMS scale would overflow f32); scale the matrix down`,
        );
    }
  }

  /** Rotated (and padded) rows: what the encoder and the GPU decode work on. */
  toCodingDomain(m: Matrix): Matrix {
    return this.transform.toCodingDomain(m);
  }

  /** Back from the coding domain to rows×K. */
  fromCodingDomain(m: Matrix, K: number): Matrix {
    return this.transform.fromCodingDomain(m, K);
  }

  /** σ of one coding-domain row (twin of scale_rms_encode.wgsl with inv_k = fl(1/Kp)). */
  rowSigma(y: Float32Array, start: number, Kp: number): number {
    return rmsScale11(y, start, Kp);
  }

  /**
   * β index of one block: argmin_j err_j·w_j (exact: < 2^52), ties to the smaller j. Universal scheme: the
   * smallest j whose fixed-point block has twice-gauge below the no-overload limit (else the last), a
   * function of the data alone, so the dither's error stays uniform on the chosen cell.
   */
  chooseBeta(coder: BlockCoder, y: Float32Array, start: number, rho: number, t: number[]): number {
    if (this.ditherSeed !== null) {
      const limit = gaugeLimitTwice(this.q);
      for (let j = 0; j < this.betas.length - 1; j++) {
        toFixedPoint(y, start, this.n, Math.fround(this.encodeFactors[j] * rho), t);
        if (gaugeTwice(this.lattice, t) < limit) return j;
      }
      return this.betas.length - 1;
    }
    let best = 0;
    let bestScore = Infinity;
    for (let j = 0; j < this.betas.length; j++) {
      toFixedPoint(y, start, this.n, Math.fround(this.encodeFactors[j] * rho), t);
      coder.encode(t);
      const score = coder.err * this.errorWeights[j];
      if (score < bestScore) {
        best = j;
        bestScore = score;
      }
    }
    return best;
  }

  /** Universal scheme: each row minus its mean (rowMean), and the means; the plain code: m as it is. */
  centreRows(m: Matrix): { centred: Matrix; means: Float32Array } {
    const means = new Float32Array(m.rows);
    if (this.ditherSeed === null) return { centred: m, means };
    const data = new Float32Array(m.data.length);
    for (let r = 0; r < m.rows; r++) {
      const mu = this.centred?.subtractMean ? rowMean(m.data, r * m.cols, m.cols) : 0;
      means[r] = mu;
      for (let k = 0; k < m.cols; k++) data[r * m.cols + k] = ftz(Math.fround(ftz(m.data[r * m.cols + k]) - mu));
    }
    return { centred: { rows: m.rows, cols: m.cols, data }, means };
  }

  /** Universal scheme: the dither of every block of row `row` (1/256 lattice units). */
  rowDithers(row: number, blocks: number): number[][] {
    if (!this.dithered) return Array.from({ length: blocks }, () => new Array<number>(this.n).fill(0));
    const key = ditherKey(this.ditherSeed ?? 0, row);
    const scratch = new ClosestScratch(this.n);
    const twice = new Float64Array(this.n);
    return Array.from({ length: blocks }, (_, b) => {
      const d = new Array<number>(this.n);
      blockDither(this.lattice, key, b, d, twice, scratch);
      return d;
    });
  }

  encode(m: Matrix): QuantizedMatrix {
    validateMatrix(m, 'encode input');
    this.checkRepresentable(m, 'encode input');
    const K = m.cols;
    const layout = this.layout(K);
    const { centred, means } = this.centreRows(m);
    const y = this.toCodingDomain(centred);
    const Kp = y.cols;
    const blocks = Kp / this.n;
    const wpr = layout.wordsPerRow;
    const codes = new Uint32Array(m.rows * wpr.codes);
    const scales = new Uint32Array(m.rows * wpr.scales);
    const aux = new Uint32Array(m.rows * wpr.aux);
    const digits = new Array<number>(Kp);
    const indices = new Array<number>(blocks);
    const t = new Array<number>(this.n);
    const coder = new BlockCoder(this.lattice, this.q);
    for (let r = 0; r < m.rows; r++) {
      const sigma = this.rowSigma(y.data, r * Kp, Kp);
      scales[r * wpr.scales] = f32Bits(sigma);
      if (this.ditherSeed !== null) scales[r * wpr.scales + 1] = f32Bits(means[r]);
      const dithers = this.ditherSeed !== null && sigma !== 0 ? this.rowDithers(r, blocks) : null;
      if (sigma === 0) {
        // All-zero (or flushed) row: digits 0 decode to the origin.
        digits.fill(0);
        indices.fill(0);
      } else {
        const rho = reciprocalSigma(sigma);
        for (let b = 0; b < blocks; b++) {
          const index = this.chooseBeta(coder, y.data, r * Kp + b * this.n, rho, t);
          indices[b] = index;
          // Re-encode at the chosen β (as the GPU codes pass does).
          toFixedPoint(y.data, r * Kp + b * this.n, this.n, Math.fround(this.encodeFactors[index] * rho), t);
          if (dithers) for (let i = 0; i < this.n; i++) t[i] += dithers[b][i];
          coder.encode(t);
          for (let i = 0; i < this.n; i++) digits[b * this.n + i] = coder.digits[i];
        }
      }
      this.packing.pack(digits, Kp, codes, r * wpr.codes);
      if (this.indexBits) packRow(indices, blocks, this.indexBits, aux, r * wpr.aux);
    }
    return { format: this, rows: m.rows, cols: K, layout, codes, scales, aux };
  }

  /**
   * Codes one n-entry block of a coding-domain row whose scale is `sigma` (as encode does for each
   * block): the β index, the coset digits, and the values the decoder returns. For algorithms that decide
   * blocks one at a time (block-LDLQ).
   */
  codeBlock(
    values: ArrayLike<number>,
    sigma: number,
    coder = new BlockCoder(this.lattice, this.q),
  ): { index: number; digits: number[]; decoded: Float32Array } {
    this.refuseUniversal('block-at-a-time coding');
    if (sigma === 0) return { index: 0, digits: new Array<number>(this.n).fill(0), decoded: new Float32Array(this.n) };
    const y = Float32Array.from(values);
    const t = new Array<number>(this.n);
    const rho = reciprocalSigma(sigma);
    const index = this.chooseBeta(coder, y, 0, rho, t);
    toFixedPoint(y, 0, this.n, Math.fround(this.encodeFactors[index] * rho), t);
    coder.encode(t);
    const digits = Array.from(coder.digits);
    const decoded = Float32Array.from(coder.decodedTwice, (v) =>
      ftz(Math.fround(Math.fround(v * this.decodeSteps[index]) * sigma)),
    );
    return { index, digits, decoded };
  }

  /** Packs per-row coset digits (Kp per row) and β indices, row-major, and row scales into a matrix of this format. */
  assemble(
    rows: number,
    K: number,
    sigmas: ArrayLike<number>,
    digits: ArrayLike<number>,
    indices: ArrayLike<number>,
  ): QuantizedMatrix {
    this.refuseUniversal('assembling from block codes');
    const layout = this.layout(K);
    const wpr = layout.wordsPerRow;
    const Kp = this.paddedK(K);
    const blocks = Kp / this.n;
    const codes = new Uint32Array(rows * wpr.codes);
    const scales = new Uint32Array(rows * wpr.scales);
    const aux = new Uint32Array(rows * wpr.aux);
    for (let r = 0; r < rows; r++) {
      scales[r * wpr.scales] = f32Bits(sigmas[r]);
      this.packing.pack(
        Array.from({ length: Kp }, (_, i) => digits[r * Kp + i]),
        Kp,
        codes,
        r * wpr.codes,
      );
      if (this.indexBits)
        packRow(
          Array.from({ length: blocks }, (_, b) => indices[r * blocks + b]),
          blocks,
          this.indexBits,
          aux,
          r * wpr.aux,
        );
    }
    return { format: this, rows, cols: K, layout, codes, scales, aux };
  }

  /** β index of every block (row-major), e.g. for the entropy of the index. */
  blockIndices(qm: QuantizedMatrix): Uint8Array {
    const blocks = this.paddedK(qm.cols) / this.n;
    const out = new Uint8Array(qm.rows * blocks);
    if (!this.indexBits) return out;
    for (let r = 0; r < qm.rows; r++)
      for (let b = 0; b < blocks; b++)
        out[r * blocks + b] = unpackCode(qm.aux, r * qm.layout.wordsPerRow.aux, b, this.indexBits);
    return out;
  }

  /** Decoded rows in the coding domain (rows×Kp): exactly what the GPU decode function returns. */
  decodeCodingDomain(qm: QuantizedMatrix): Matrix {
    checkQuantized(qm, this);
    const Kp = this.paddedK(qm.cols);
    const blocks = Kp / this.n;
    const wpr = qm.layout.wordsPerRow;
    const data = new Float32Array(qm.rows * Kp);
    const rowDigits: number[] = new Array(Kp);
    const coder = new BlockCoder(this.lattice, this.q);
    for (let r = 0; r < qm.rows; r++) {
      const sigma = bitsToF32(qm.scales[r * wpr.scales]);
      const dithers = this.ditherSeed !== null ? this.rowDithers(r, blocks) : null;
      this.packing.unpack(qm.codes, r * wpr.codes, Kp, rowDigits, r);
      for (let b = 0; b < blocks; b++) {
        const j = this.indexBits ? unpackCode(qm.aux, r * wpr.aux, b, this.indexBits) : 0;
        if (j >= this.betas.length)
          throw new FormatError(`corrupt β index ${j} at row ${r}, block ${b} (format has ${this.betas.length})`);
        const digits = rowDigits.slice(b * this.n, (b + 1) * this.n);
        if (digits.some((d) => d >= this.q))
          throw new FormatError(`corrupt lattice code at row ${r}, block ${b}: digit ≥ q = ${this.q}`);
        coder.decode(digits);
        for (let i = 0; i < this.n; i++) {
          // universal: (128·2λ̂ − d) in 1/256 units, an exact integer
          const v = dithers ? (FIXED_POINT / 2) * coder.decodedTwice[i] - dithers[b][i] : coder.decodedTwice[i];
          data[r * Kp + b * this.n + i] = ftz(Math.fround(Math.fround(v * this.decodeSteps[j]) * sigma));
        }
      }
    }
    return { rows: qm.rows, cols: Kp, data };
  }

  /** Reconstruction in the original domain (rotation undone, padding dropped; universal: row means added back). */
  decode(qm: QuantizedMatrix): Matrix {
    const out = this.fromCodingDomain(this.decodeCodingDomain(qm), qm.cols);
    if (this.ditherSeed === null) return out;
    const means = this.rowMeans(qm);
    const data = new Float32Array(out.data.length);
    for (let r = 0; r < out.rows; r++)
      for (let k = 0; k < out.cols; k++)
        data[r * out.cols + k] = ftz(Math.fround(out.data[r * out.cols + k] + means[r]));
    return { rows: out.rows, cols: out.cols, data };
  }

  /**
   * Universal scheme: each row's per-entry distortion, known from its β indices alone (the dithered error of
   * a block is uniform on its cell: (β_j/q)²·m₂ per entry, in units of the row's mean square σ²), e.g. for a
   * certified bound (docs/universal.md §3). D̄ on Gaussian-like rows.
   */
  rowDistortions(qm: QuantizedMatrix): Float64Array {
    this.refuseUnlessUniversal('row distortions');
    const idx = this.blockIndices(qm);
    const blocks = this.paddedK(qm.cols) / this.n;
    const m2 = cellSecondMoment(this.lattice);
    return Float64Array.from({ length: qm.rows }, (_, r) => {
      let s = 0;
      for (let b = 0; b < blocks; b++) s += (this.betas[idx[r * blocks + b]] / this.q) ** 2;
      return (s / blocks) * m2;
    });
  }

  /** Stored row means μ (universal scheme; zeros for the plain code). */
  rowMeans(qm: QuantizedMatrix): Float32Array {
    checkQuantized(qm, this);
    const wpr = qm.layout.wordsPerRow.scales;
    return Float32Array.from({ length: qm.rows }, (_, r) =>
      this.ditherSeed === null ? 0 : bitsToF32(qm.scales[r * wpr + 1]),
    );
  }

  private refuseUnlessUniversal(what: string): void {
    if (this.ditherSeed === null)
      throw new FormatError(`${this.id}: ${what} are defined for the universal scheme only`);
  }

  private refuseUniversal(what: string): void {
    if (this.ditherSeed !== null)
      throw new FormatError(`${this.id}: ${what} is not defined for the universal (dithered, centred) scheme`);
  }
}

/** Empirical entropy (bits per entry) of the β indices of a quantized matrix: the entropy-coded index rate. */
export function indexEntropyPerEntry(f: NestedLatticeFormat, qm: QuantizedMatrix): number {
  const idx = f.blockIndices(qm);
  const counts = new Array(f.betas.length).fill(0);
  for (const v of idx) counts[v]++;
  let h = 0;
  for (const c of counts) if (c) h -= (c / idx.length) * Math.log2(c / idx.length);
  return (h * (f.paddedK(qm.cols) / f.n)) / qm.cols;
}

/**
 * The GPU decoder splits a mixed-radix field v < q^n as v = hi·q^h + lo (h = ⌊n/2⌋) so that both halves
 * are below 2^21 and their digits come out of exact f32 arithmetic; SPLIT_DIGITS = 0 when they are not
 * (the decoder then uses integer division).
 */
function radixSplit(q: number, n: number): { SPLIT: number; SPLIT_DIGITS: number } {
  const h = Math.floor(n / 2);
  const ok = h >= 1 && q ** h < 2 ** 21 && q ** (n - h) < 2 ** 21;
  return { SPLIT: ok ? q ** h : 1, SPLIT_DIGITS: ok ? h : 0 };
}
