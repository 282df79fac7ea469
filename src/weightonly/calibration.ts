/**
 * Calibration statistics: Σ_X = E[x·xᵀ] over the rows of activation batches (each batch B×n, one
 * input vector per row), accumulated in f64 so millions of rows lose nothing. The GPU twin multiplies
 * each batch on the engine (XᵀX = (Xᵀ)·(Xᵀ)ᵀ with the f32 GEMM) and accumulates the n×n result here.
 */
import type { Engine } from '../engine.js';
import { ShapeError } from '../errors.js';
import { validateMatrix, type Matrix } from '../matrix.js';

/** Σ_X = Σ xxᵀ over calibration batches, accumulated in f64 on the CPU or through the GPU GEMM (addOnGpu). */
export class CovarianceAccumulator {
  private readonly sum: Float64Array;
  private rows = 0;

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n <= 0) throw new ShapeError(`covariance size must be a positive integer, got ${n}`);
    this.sum = new Float64Array(n * n);
  }

  /** Number of input vectors seen. */
  get count(): number {
    return this.rows;
  }

  /** Adds a batch on the CPU. */
  add(x: Matrix): void {
    this.check(x);
    const n = this.n;
    for (let r = 0; r < x.rows; r++) {
      const row = x.data.subarray(r * n, (r + 1) * n);
      for (let i = 0; i < n; i++) {
        const xi = row[i];
        if (xi === 0) continue;
        for (let j = i; j < n; j++) this.sum[i * n + j] += xi * row[j];
      }
    }
    this.rows += x.rows;
  }

  /** Adds a batch through the GPU: XᵀX in one f32 GEMM, accumulated here in f64. */
  async addOnGpu(engine: Engine, x: Matrix): Promise<void> {
    this.check(x);
    const n = this.n;
    const xt = new Float32Array(n * x.rows);
    for (let r = 0; r < x.rows; r++) for (let i = 0; i < n; i++) xt[i * x.rows + r] = x.data[r * n + i];
    const t: Matrix = { rows: n, cols: x.rows, data: xt };
    const y = await engine.matmul(t, t);
    const g = await engine.read(y);
    y.destroy();
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) this.sum[i * n + j] += g[i * n + j];
    this.rows += x.rows;
  }

  /** Σ_X = (1/count)·Σ x·xᵀ (symmetric, n×n, f64). */
  covariance(): Float64Array {
    if (this.rows === 0) throw new ShapeError('no calibration batches were added');
    const n = this.n;
    const s = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) s[i * n + j] = s[j * n + i] = this.sum[i * n + j] / this.rows;
    }
    return s;
  }

  private check(x: Matrix): void {
    validateMatrix(x, 'calibration batch');
    if (x.cols !== this.n)
      throw new ShapeError(`calibration batch has ${x.cols} columns, the layer has ${this.n} inputs`);
  }
}
