import { FormatError, ShapeError } from '../../errors.js';
import { validateMatrix, type Matrix } from '../../matrix.js';
import type { HadamardRotation } from '../../transforms/hadamard.js';
import { RowTransform } from '../../transforms/row-transform.js';
import { bitsToF32, f32Bits } from '../f16.js';
import {
  checkQuantized,
  makeLayout,
  type CodingDomain,
  type Layout,
  type QuantFormat,
  type QuantizedMatrix,
  type WgslSpec,
} from '../format.js';
import { ftz, reciprocalSigma, rmsScale11, roundHalfEven } from '../rounding.js';
import { codeRms, stateCodes } from './code.js';
import { TrellisSearch } from './viterbi.js';

/**
 * Trellis-coded quantization (docs/trellis.md): per row a random Hadamard rotation, an RMS scale σ, then
 * segments of up to SEGMENT (4096) weights, each a bitshift-trellis path found by Viterbi search. A segment of T
 * weights stores T·k + L − k bits; weight t decodes from the L-bit window at bit t·k of its segment:
 * value = fl(fl(code(s)·step)·σ), code = the 1MAD computed code (code.ts), step = fl(gain / rms of the codes).
 * k bits per weight plus (L − k)/SEGMENT for each segment's start and 32/K for σ. (The search keeps k-bit
 * choices for 2^{L−k} state groups per step: 64 MB for a 4096-weight segment at L = 16, k = 2.)
 */
export interface TrellisParams {
  /** Bits per weight. */
  readonly k: number;
  /** State bits (the decoder reads an L-bit window). */
  readonly L: number;
  /** Codebook gain in units of the row RMS (the MSE-optimal scale of the code for Gaussian rows). */
  readonly gain: number;
  /** Seed of the random Hadamard rotation, or null for none. */
  readonly rotationSeed: number | null;
}

/** Weights per segment: one Viterbi search, one start state. */
const SEGMENT = 4096;
/**
 * The search compares integers (docs/trellis.md §2), so the CPU and the GPU search take the same path:
 * targets in 1/TARGET_UNIT code units, clamped to ±TARGET_CLAMP (2048 code units, 4× the code's ±510),
 * levels = TARGET_UNIT·code. A quarter unit is ≈ 0.002σ: the rounding moves no path that matters.
 */
const TARGET_UNIT = 4;
const TARGET_CLAMP = 8192;
export const DEFAULT_TRELLIS_ROTATION_SEED = 0x7cc0;

export class TrellisFormat implements QuantFormat {
  readonly family = 'trellis';
  readonly id: string;
  readonly params: TrellisParams & { readonly kind: 'trellis' };
  readonly wgsl: WgslSpec;
  readonly coding?: CodingDomain;
  /** fl(gain / rms of the 2^L codes): the code's step in units of σ. */
  readonly step: number;
  /** fl(TARGET_UNIT / step): σ-units to target units (after the reciprocal of σ). */
  readonly targetScale: number;
  /** TARGET_UNIT·code of every state: what a search compares targets with. */
  readonly levels: Int32Array;
  private readonly codes: Int16Array;
  private readonly layouts = new Map<number, Layout>();
  private readonly transform: RowTransform;

  constructor(p: TrellisParams, id: string) {
    if (!Number.isInteger(p.k) || p.k < 1 || p.k > 8)
      throw new FormatError(`trellis bits per weight k must be 1..8, got ${p.k}`);
    if (!Number.isInteger(p.L) || p.L <= p.k || p.L > 20)
      throw new FormatError(`trellis state bits L must be in (k, 20], got ${p.L} (k = ${p.k})`);
    if (7 * p.k + p.L > 64)
      throw new FormatError(
        `trellis 7·k + L must be ≤ 64 (an 8-block's windows are read from two aligned words), ` +
          `got k = ${p.k}, L = ${p.L}`,
      );
    if (!(p.gain > 0 && p.gain < 4)) throw new FormatError(`trellis gain must be in (0, 4), got ${p.gain}`);
    this.id = id;
    this.params = { kind: 'trellis', ...p };
    this.transform = new RowTransform(p.rotationSeed);
    this.codes = stateCodes(p.L);
    this.step = Math.fround(p.gain / codeRms(this.codes));
    this.targetScale = Math.fround(TARGET_UNIT / this.step);
    this.levels = Int32Array.from(this.codes, (c) => c * TARGET_UNIT);
    if (p.rotationSeed !== null) this.coding = { paddedK: (K) => this.paddedK(K), rotation: (K) => this.rotation(K) };
    this.wgsl = {
      parts: ['formats/streams.wgsl'],
      snippet: 'formats/trellis.wgsl',
      affineBlocks: true, // value = (STEP·σ)·(byte sum − 510): one scale per row
      constants: { L: p.L, KBITS: p.k, SEGMENT, STEP: { f32: this.step }, BITS: p.k },
      viterbi: {
        TARGET_UNIT,
        TARGET_SCALE: { f32: this.targetScale },
        TARGET_CLAMP,
      },
    };
  }

  rotation(K: number): HadamardRotation | null {
    return this.transform.rotation(K);
  }

  paddedK(K: number): number {
    return this.transform.paddedK(K);
  }

  /** Bits of the segments of a row of Kp stored entries. */
  private rowCodeBits(Kp: number): number {
    const { k, L } = this.params;
    return Kp * k + Math.ceil(Kp / SEGMENT) * (L - k);
  }

  layout(K: number): Layout {
    let l = this.layouts.get(K);
    if (!l) {
      const Kp = this.paddedK(K);
      const inner = makeLayout(K, K, { codes: this.rowCodeBits(Kp), scales: 32, aux: 0 });
      l = Kp === K ? inner : { ...inner, codedK: Kp };
      this.layouts.set(K, l);
    }
    return l;
  }

  checkRepresentable(m: Matrix, what: string): void {
    for (let i = 0; i < m.data.length; i++)
      if (Math.abs(m.data[i]) >= 2 ** 56)
        throw new FormatError(`${what}: |x| = ${Math.abs(m.data[i])} at index ${i} is too large for a trellis format`);
  }

  /** Rotated (and padded) rows: what the search and the GPU decode work on. */
  toCodingDomain(m: Matrix): Matrix {
    return this.transform.toCodingDomain(m);
  }

  /** σ of one coding-domain row: its RMS to 11 significant bits. */
  rowSigma(y: ArrayLike<number>, start: number, Kp: number): number {
    return rmsScale11(y, start, Kp);
  }

  /** First entries of a coding-domain row's segments (each one search, one stored start state). */
  segmentStarts(Kp: number): number[] {
    return Array.from({ length: Math.ceil(Kp / SEGMENT) }, (_, i) => i * SEGMENT);
  }

  /** The decoded value of every state for a row of scale σ (what the GPU returns). */
  stateValues(sigma: number): Float32Array {
    return Float32Array.from(this.codes, (c) => ftz(Math.fround(Math.fround(c * this.step) * sigma)));
  }

  /**
   * Search targets of n coding-domain entries of a row of scale σ > 0 into `out`:
   * clamp(RNE(fl(fl(y·fl(1/σ))·targetScale)), ±TARGET_CLAMP), subnormals flushed — the GPU search's
   * (shaders/trellis_viterbi.wgsl) integers exactly.
   */
  targets(y: ArrayLike<number>, start: number, n: number, sigma: number, out: Int32Array): Int32Array {
    const rho = reciprocalSigma(sigma);
    for (let i = 0; i < n; i++) {
      const u = ftz(Math.fround(ftz(y[start + i]) * rho));
      out[i] = Math.max(-TARGET_CLAMP, Math.min(TARGET_CLAMP, roundHalfEven(Math.fround(u * this.targetScale))));
    }
    return out;
  }

  /** A search sized for this format's segments of a row of Kp entries. */
  newSearch(Kp: number): TrellisSearch {
    return new TrellisSearch(this.params.L, this.params.k, Math.min(Kp, SEGMENT));
  }

  encode(m: Matrix): QuantizedMatrix {
    validateMatrix(m, 'encode input');
    this.checkRepresentable(m, 'encode input');
    const y = this.toCodingDomain(m);
    const Kp = y.cols;
    const sigmas = new Float32Array(m.rows);
    const states = new Uint32Array(m.rows * Kp);
    const search = this.newSearch(Kp);
    const targets = new Int32Array(Math.min(Kp, SEGMENT));
    for (let row = 0; row < m.rows; row++) {
      const sigma = (sigmas[row] = this.rowSigma(y.data, row * Kp, Kp));
      if (sigma === 0) continue; // state 0 throughout: decoded values are code·step·0 = 0
      for (const s0 of this.segmentStarts(Kp)) {
        const T = Math.min(SEGMENT, Kp - s0);
        search.search(this.targets(y.data, row * Kp + s0, T, sigma, targets), 0, T, this.levels);
        states.set(search.states.subarray(0, T), row * Kp + s0);
      }
    }
    return this.assemble(m.rows, m.cols, sigmas, states);
  }

  /**
   * Packs per-row σ and state sequences (rows × Kp, coding domain; each segment a valid trellis path) into
   * a matrix of this format: per segment the first state's L bits, then each later state's top k bits.
   */
  assemble(rows: number, K: number, sigmas: ArrayLike<number>, states: Uint32Array): QuantizedMatrix {
    const layout = this.layout(K);
    const Kp = this.paddedK(K);
    if (states.length !== rows * Kp || sigmas.length < rows)
      throw new ShapeError(
        `trellis assemble: ${states.length} states and ${sigmas.length} scales for ${rows} rows of ${Kp} entries`,
      );
    const { k, L } = this.params;
    const wpr = layout.wordsPerRow;
    const codes = new Uint32Array(rows * wpr.codes);
    const scales = new Uint32Array(rows * wpr.scales);
    const lowMask = 2 ** (L - k) - 1;
    for (let row = 0; row < rows; row++) {
      scales[row * wpr.scales] = f32Bits(sigmas[row]);
      let bit = 0;
      const put = (v: number, n: number) => {
        for (let i = 0; i < n; i++, bit++) if ((v >>> i) & 1) codes[row * wpr.codes + (bit >>> 5)] |= 1 << (bit & 31);
      };
      for (const s0 of this.segmentStarts(Kp)) {
        const T = Math.min(SEGMENT, Kp - s0);
        const at = row * Kp + s0;
        put(states[at], L);
        for (let t = 1; t < T; t++) {
          if ((states[at + t] & lowMask) !== states[at + t - 1] >>> k)
            throw new FormatError(`trellis assemble: row ${row}, entry ${s0 + t} does not follow its predecessor`);
          put(states[at + t] >>> (L - k), k);
        }
      }
    }
    return { format: this, rows, cols: K, layout, codes, scales, aux: new Uint32Array(0) };
  }

  /**
   * A matrix of uniformly random trellis paths with σ = 1: every bit stream is a valid code, and a kernel's
   * cost does not depend on which path it decodes — the timing operand of bench:gpu while the search runs on
   * the CPU (a 4096×4096 search takes hours there).
   */
  randomPaths(rows: number, K: number, next: () => number): QuantizedMatrix {
    const layout = this.layout(K);
    const wpr = layout.wordsPerRow;
    const codes = Uint32Array.from({ length: rows * wpr.codes }, () => next() >>> 0);
    const scales = new Uint32Array(rows * wpr.scales).fill(f32Bits(1));
    return { format: this, rows, cols: K, layout, codes, scales, aux: new Uint32Array(0) };
  }

  /** The L-bit window at `bit` of a row's codes. */
  private window(codes: Uint32Array, base: number, bit: number): number {
    const { L } = this.params;
    const w = base + (bit >>> 5);
    const sh = bit & 31;
    let v = codes[w] >>> sh;
    if (sh + L > 32) v |= codes[w + 1] << (32 - sh);
    return (v >>> 0) & (2 ** L - 1);
  }

  decodeCodingDomain(qm: QuantizedMatrix): Matrix {
    checkQuantized(qm, this);
    const Kp = this.paddedK(qm.cols);
    const { k, L } = this.params;
    const wpr = qm.layout.wordsPerRow;
    const segBits = SEGMENT * k + (L - k);
    const data = new Float32Array(qm.rows * Kp);
    for (let row = 0; row < qm.rows; row++) {
      const values = this.stateValues(bitsToF32(qm.scales[row * wpr.scales]));
      for (let i = 0; i < Kp; i++) {
        const bit = Math.floor(i / SEGMENT) * segBits + (i % SEGMENT) * k;
        data[row * Kp + i] = values[this.window(qm.codes, row * wpr.codes, bit)];
      }
    }
    return { rows: qm.rows, cols: Kp, data };
  }

  decode(qm: QuantizedMatrix): Matrix {
    return this.transform.fromCodingDomain(this.decodeCodingDomain(qm), qm.cols);
  }
}
