import { FormatError } from '../errors.js';
import type { WgslConstant } from './format.js';
import { cmpScaled, cmpScaledSigned, ftz, rneQuotient } from './rounding.js';

/**
 * Element codecs: how one entry is coded once its group scale s is known. `encode(x, s)` gives the
 * code of the grid point nearest to x/s (the real quotient, decided exactly), saturating at ±vmax;
 * `value(code)` is that grid point (an exact f32). A format = element codec × scale rule (scaled.ts).
 * Each codec has a WGSL twin (shaders/formats/elem_*.wgsl) defining FMT_elem_encode / FMT_elem_value.
 */
export interface ElementCodec {
  readonly name: string;
  readonly bits: number;
  /** Largest magnitude on the grid (absmax scales map the group max onto it). */
  readonly vmax: number;
  /** Exponent of the largest normal, for the OCP MX shared-scale rule. */
  readonly emaxElem: number;
  encode(x: number, s: number): number;
  value(code: number): number;
  /** The grid's magnitudes per sign in element units (the high-rate heuristics integrate over its cells). */
  magnitudes(): Grid;
  /** Where the encoder's choice flips, in element units, both signs (RNE midpoints, or a codebook's thresholds). */
  decisionPoints(): number[];
  /** A codebook's levels, so a stored file says exactly what the codes decode to; absent for computed grids. */
  readonly codebook?: readonly number[];
  readonly wgslSnippet: string;
  readonly wgslConstants: Readonly<Record<string, WgslConstant>>;
}

/** A grid of non-negative magnitudes per sign, in element units (0 first, largest last). */
export interface Grid {
  readonly positive: readonly number[];
  readonly negative: readonly number[];
  readonly vmax: number;
}

/** Midpoints between neighbours of a symmetric grid of magnitudes, both signs (the RNE ties). */
function symmetricMidpoints(g: readonly number[]): number[] {
  return g.slice(1).flatMap((v, i) => [(v + g[i]) / 2, -(v + g[i]) / 2]);
}

/** ExMy minifloat with RNE and saturation (docs/theory.md §3.1); no infinities or NaNs are produced. */
export class MinifloatCodec implements ElementCodec {
  readonly bits: number;
  readonly emin: number;
  readonly emaxElem: number;
  readonly wgslSnippet = 'formats/elem_minifloat.wgsl';
  readonly wgslConstants;

  constructor(
    readonly name: string,
    readonly expBits: number,
    readonly manBits: number,
    readonly bias: number,
    readonly vmax: number,
  ) {
    this.bits = 1 + expBits + manBits;
    this.emin = 1 - bias;
    this.emaxElem = Math.floor(Math.log2(vmax));
    this.wgslConstants = { EM: manBits, EMIN_BIAS: bias - 1, EMAX_BINADE: this.emaxElem + 64, VMAX: { f32: vmax } };
  }

  /** Grid point nearest to x/s, as (magnitude value, negative). */
  private round(x: number, s: number): number {
    const a = Math.abs(ftz(x));
    if (s === 0 || a === 0) return 0;
    // The binade: largest e in [emin, emax] with a ≥ 2^e·s (else the subnormal range, e = emin).
    let e = Math.min(this.emaxElem, Math.max(this.emin, Math.floor(Math.log2(a / s))));
    while (e > this.emin && cmpScaled(a, 2 ** e, s) < 0) e--;
    while (e < this.emaxElem && cmpScaled(a, 2 ** (e + 1), s) >= 0) e++;
    const step = 2 ** (e - this.manBits);
    const v = rneQuotient(a, s, step) * step;
    return Math.min(v, this.vmax);
  }

  /** Code bits of a grid magnitude v ≥ 0. */
  codeOf(v: number, negative: boolean): number {
    if (v === 0) return 0;
    const m = this.manBits;
    let E: number;
    let M: number;
    if (v < 2 ** this.emin) {
      E = 0;
      M = v / 2 ** (this.emin - m);
    } else {
      const ee = Math.floor(Math.log2(v));
      E = ee - this.emin + 1;
      M = v / 2 ** (ee - m) - 2 ** m;
    }
    return ((negative ? 1 : 0) << (this.expBits + m)) | (E << m) | M;
  }

  encode(x: number, s: number): number {
    return this.codeOf(this.round(x, s), x < 0);
  }

  value(code: number): number {
    const m = this.manBits;
    const M = code & ((1 << m) - 1);
    const E = (code >>> m) & ((1 << this.expBits) - 1);
    const neg = (code >>> (m + this.expBits)) & 1;
    const mag = E === 0 ? M * 2 ** (this.emin - m) : (2 ** m + M) * 2 ** (E - this.bias - m);
    return mag === 0 ? 0 : neg ? -mag : mag;
  }

  /** All non-negative grid values (for tests and tables). */
  grid(): number[] {
    const out: number[] = [];
    for (let c = 0; c < 1 << (this.bits - 1); c++) {
      const v = this.value(c);
      if (v <= this.vmax && !out.includes(v)) out.push(v);
    }
    return out.sort((p, q) => p - q);
  }

  magnitudes(): Grid {
    const g = this.grid();
    return { positive: g, negative: g, vmax: this.vmax };
  }

  decisionPoints(): number[] {
    return symmetricMidpoints(this.grid());
  }
}

/** OCP MX INT8: two's complement k with value k/64, |k| ≤ 127. */
class MxInt8Codec implements ElementCodec {
  readonly name = 'int8mx';
  readonly bits = 8;
  readonly vmax = 127 / 64;
  readonly emaxElem = 0;
  readonly wgslSnippet = 'formats/elem_mxint8.wgsl';
  readonly wgslConstants = {};

  encode(x: number, s: number): number {
    const a = Math.abs(ftz(x));
    if (s === 0) return 0;
    const n = Math.min(127, rneQuotient(a, s, 2 ** -6));
    return (x < 0 ? -n : n) & 0xff;
  }

  value(code: number): number {
    const k = code & 0x80 ? code - 256 : code;
    return k / 64;
  }

  magnitudes(): Grid {
    const g = Array.from({ length: 128 }, (_, k) => k / 64);
    return { positive: g, negative: g, vmax: this.vmax };
  }

  decisionPoints(): number[] {
    return symmetricMidpoints(this.magnitudes().positive);
  }
}

/** Rounds v to 12 significant bits (decision thresholds must be exact 12-bit constants). */
function roundTo12Bits(v: number): number {
  if (v === 0) return 0;
  const scale = 2 ** (11 - Math.floor(Math.log2(Math.abs(v))));
  return Math.round(v * scale) / scale;
}

/**
 * A codebook of sorted f32 levels (NF4, later the optimal-density quantizers). The code of x/s is
 * the number of decision thresholds t_i ≤ x/s, where t_i is the midpoint of levels i and i+1 rounded
 * to 12 significant bits (so the comparison is exact; a tie goes to the upper level).
 */
export class LutCodec implements ElementCodec {
  readonly bits: number;
  readonly vmax: number;
  readonly emaxElem = 0;
  readonly levels: Float32Array;
  readonly thresholds: Float32Array;
  readonly wgslSnippet = 'formats/elem_lut.wgsl';
  readonly wgslConstants;

  /**
   * `thresholds` (K − 1 values, default the midpoints) are rounded to 12 significant bits; each must
   * lie strictly between its two levels after rounding.
   */
  constructor(
    readonly name: string,
    levels: readonly number[],
    thresholds?: readonly number[],
  ) {
    if (levels.length < 2 || levels.length > 256)
      throw new FormatError(`a codebook needs 2..256 levels, got ${levels.length}`);
    this.levels = Float32Array.from(levels);
    for (let i = 1; i < this.levels.length; i++) {
      if (!(this.levels[i] > this.levels[i - 1]))
        throw new FormatError(`codebook levels must be strictly increasing (level ${i})`);
    }
    this.bits = Math.max(1, Math.ceil(Math.log2(levels.length)));
    this.vmax = Math.max(Math.abs(this.levels[0]), Math.abs(this.levels[this.levels.length - 1]));
    if (thresholds && thresholds.length !== levels.length - 1)
      throw new FormatError(
        `a codebook of ${levels.length} levels needs ${levels.length - 1} thresholds, got ${thresholds.length}`,
      );
    const t = thresholds ?? Array.from(this.levels.subarray(1), (v, i) => (this.levels[i] + v) / 2);
    this.thresholds = Float32Array.from(t, roundTo12Bits);
    this.thresholds.forEach((v, i) => {
      if (!(v > this.levels[i] && v < this.levels[i + 1]))
        throw new FormatError(
          `threshold ${i} (${v}) must lie strictly between levels ${this.levels[i]} and ${this.levels[i + 1]}`,
        );
    });
    this.wgslConstants = {
      LEVELS: { f32array: Array.from(this.levels) },
      THRESHOLDS: { f32array: Array.from(this.thresholds) },
      N_THRESHOLDS: this.thresholds.length,
      ZERO_CODE: this.zeroCode(),
    };
  }

  encode(x: number, s: number): number {
    const v = ftz(x);
    if (s === 0) return this.zeroCode();
    let lo = 0;
    let hi = this.thresholds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmpScaledSigned(v, this.thresholds[mid], s) >= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Code of the level nearest to 0 (what an all-zero group stores). */
  zeroCode(): number {
    let best = 0;
    for (let i = 1; i < this.levels.length; i++) if (Math.abs(this.levels[i]) < Math.abs(this.levels[best])) best = i;
    return best;
  }

  value(code: number): number {
    return this.levels[code];
  }

  get codebook(): readonly number[] {
    return Array.from(this.levels);
  }

  magnitudes(): Grid {
    const lv = Array.from(this.levels);
    const positive = [0, ...lv.filter((v) => v > 0)];
    const negative = [
      0,
      ...lv
        .filter((v) => v < 0)
        .map((v) => -v)
        .reverse(),
    ];
    return { positive, negative, vmax: this.vmax };
  }

  decisionPoints(): number[] {
    return Array.from(this.thresholds);
  }
}

/** The 16 NF4 values of QLoRA (docs/theory.md §3.1), stored as f32. */
export const NF4_LEVELS = [
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334,
  -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
  0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
];

export const E2M1 = new MinifloatCodec('e2m1', 2, 1, 1, 6);
export const E2M3 = new MinifloatCodec('e2m3', 2, 3, 1, 7.5);
export const E3M2 = new MinifloatCodec('e3m2', 3, 2, 3, 28);
export const E4M3 = new MinifloatCodec('e4m3', 4, 3, 7, 448);
export const E5M2 = new MinifloatCodec('e5m2', 5, 2, 15, 57344);
export const MXINT8 = new MxInt8Codec();
export const NF4 = new LutCodec('nf4', NF4_LEVELS);

/** The minifloat element codecs by name (a Map: ids are user input). */
export const MINIFLOATS: ReadonlyMap<string, MinifloatCodec> = new Map(
  [E2M1, E2M3, E3M2, E4M3, E5M2].map((c) => [c.name, c]),
);
