/**
 * The row transform of a coded format (docs/lattice.md §4, docs/trellis.md §1): an optional random
 * Hadamard rotation along K (built once per K), else padding to whole blocks. Encoders and the GPU decode
 * work on the transformed rows ("the coding domain", rows × Kp); decoding goes back with fromCodingDomain.
 */
import type { Matrix } from '../matrix.js';
import { hadamardRotation, hadamardShape, rotateRows, unrotateRows, type HadamardRotation } from './hadamard.js';

export class RowTransform {
  private readonly rotations = new Map<number, HadamardRotation>();

  /**
   * @param seed the rotation's seed, or null for none
   * @param minBlock the rotation's smallest Hadamard block (hadamardShape)
   * @param padTo without a rotation, rows are padded to a multiple of this
   */
  constructor(
    readonly seed: number | null,
    readonly minBlock = 8,
    readonly padTo = 1,
  ) {}

  /** The rotation applied along K (null when there is none). */
  rotation(K: number): HadamardRotation | null {
    if (this.seed === null) return null;
    let r = this.rotations.get(K);
    if (!r) this.rotations.set(K, (r = hadamardRotation(K, this.seed, this.minBlock)));
    return r;
  }

  /** Stored row length: the rotation's Kp, or K rounded up to whole `padTo` blocks. */
  paddedK(K: number): number {
    return this.seed === null ? Math.ceil(K / this.padTo) * this.padTo : hadamardShape(K, this.minBlock).Kp;
  }

  /** Rotated (or zero-padded) rows. */
  toCodingDomain(m: Matrix): Matrix {
    const r = this.rotation(m.cols);
    if (r) return rotateRows(m, r);
    const Kp = this.paddedK(m.cols);
    if (Kp === m.cols) return m;
    const data = new Float32Array(m.rows * Kp);
    for (let row = 0; row < m.rows; row++) data.set(m.data.subarray(row * m.cols, (row + 1) * m.cols), row * Kp);
    return { rows: m.rows, cols: Kp, data };
  }

  /** Back from the coding domain to rows × K. */
  fromCodingDomain(m: Matrix, K: number): Matrix {
    const r = this.rotation(K);
    if (r) return unrotateRows(m, r);
    if (m.cols === K) return m;
    const data = new Float32Array(m.rows * K);
    for (let row = 0; row < m.rows; row++) data.set(m.data.subarray(row * m.cols, row * m.cols + K), row * K);
    return { rows: m.rows, cols: K, data };
  }
}
