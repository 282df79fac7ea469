import { roundHalfEven } from '../formats/rounding.js';
import { ClosestScratch } from './closest.js';
import type { Lattice } from './lattices.js';

/**
 * One block of a nested-lattice matrix code, in exact fixed point (the GPU twin is
 * shaders/lattice/nested.wgsl). The encoder turns y_i / (σ·β_f) into t_i = RNE(fl(y_i·m)), an
 * integer in units of 1/FIXED_POINT lattice units, and from there every decision — closest point,
 * coset digits, overload, the error used to pick β — is integer arithmetic. Only the multiply
 * fl(y·m) touches floats, and f32 multiplication is correctly rounded on every WebGPU device.
 * The 1/256 grid adds (1/256)²/12 ≈ 1.3e−6 to an E8 cell's 0.0717 second moment: invisible.
 */
export const FIXED_POINT = 256;
/** |t| is clamped here (4096 lattice units) so every intermediate fits an i32. */
const T_CLAMP = 2 ** 20;
/** Per-coordinate error terms above this are capped (|diff| > 5792/256 ≈ 22.6 lattice units: garbage anyway). */
const ERR_TERM_CAP = 2 ** 25;
const DIFF_CAP = 5792; // 5792² < 2^25 < 5793²

/** Fixed-point numerators t_i = clamp(RNE(fl(y_i·m)), ±T_CLAMP). */
export function toFixedPoint(y: ArrayLike<number>, start: number, n: number, m: number, out: number[]): void {
  for (let i = 0; i < n; i++) {
    const v = roundHalfEven(Math.fround(y[start + i] * m));
    out[i] = Math.max(-T_CLAMP, Math.min(T_CLAMP, v));
  }
}

/**
 * Codes blocks of one lattice at one nesting ratio q with reusable scratch (no allocation per block).
 * After `encode(t)`: `digits` (coset digits in [0, q)), `overload`, `decodedTwice` (2λ̂) and `err`
 * = Σ min((t_i − (FIXED_POINT/2)·2λ̂_i)², ERR_TERM_CAP), the squared error in (1/256 lattice unit)².
 */
export class BlockCoder {
  readonly n: number;
  readonly digits: Float64Array;
  readonly decodedTwice: Float64Array;
  overload = false;
  err = 0;
  private readonly yTwice: Float64Array;
  private readonly coarse: Float64Array;
  private readonly scratch: ClosestScratch;

  constructor(
    readonly lattice: Lattice,
    readonly q: number,
  ) {
    this.n = lattice.dim;
    this.digits = new Float64Array(this.n);
    this.decodedTwice = new Float64Array(this.n);
    this.yTwice = new Float64Array(this.n);
    this.coarse = new Float64Array(this.n);
    this.scratch = new ClosestScratch(this.n);
  }

  /** Closest point of t/256, its Voronoi digits, the overload flag, the decoded point and the error. */
  encode(t: ArrayLike<number>): void {
    const { lattice, q, n, digits, yTwice, coarse } = this;
    lattice.closestTwiceInto(t, FIXED_POINT, yTwice, this.scratch);
    lattice.coordsFromTwiceInto(yTwice, digits);
    for (let i = 0; i < n; i++) digits[i] = ((digits[i] % q) + q) % q;
    lattice.closestTwiceInto(yTwice, 2 * q, coarse, this.scratch);
    let overload = false;
    for (let i = 0; i < n; i++) if (coarse[i] !== 0) overload = true;
    this.overload = overload;
    if (overload) this.decode(digits);
    else this.decodedTwice.set(yTwice);
    let err = 0;
    for (let i = 0; i < n; i++) {
      const diff = t[i] - (FIXED_POINT / 2) * this.decodedTwice[i];
      err += Math.abs(diff) > DIFF_CAP ? ERR_TERM_CAP : diff * diff;
    }
    this.err = err;
  }

  /** decodedTwice ← 2·(G·c − q·Q_L(G·c/q)). */
  decode(digits: ArrayLike<number>): void {
    const { lattice, q, n, decodedTwice, coarse } = this;
    lattice.twiceFromCoordsInto(digits, decodedTwice);
    lattice.closestTwiceInto(decodedTwice, 2 * q, coarse, this.scratch);
    for (let i = 0; i < n; i++) decodedTwice[i] -= q * coarse[i];
  }
}

/** Bits of one block's digits: one mixed-radix field when q^n < 2^32, else n fields of ⌈log₂q⌉ bits. */
export function digitLayout(
  q: number,
  n: number,
): { radix: boolean; fieldBits: number; fields: number; blockBits: number } {
  const digitBits = Math.ceil(Math.log2(q) - 1e-12);
  if (2 ** digitBits === q || q ** n > 2 ** 32)
    return { radix: false, fieldBits: digitBits, fields: n, blockBits: n * digitBits };
  let w = 1;
  while (2 ** w < q ** n) w++;
  return { radix: true, fieldBits: w, fields: 1, blockBits: w };
}
