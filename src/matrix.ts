import { NonFiniteError, ShapeError } from './errors.js';

/** A dense row-major f32 matrix on the CPU. Rows are contiguous (K contiguous for operands). */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

function assertPositiveInt(value: number, what: string): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ShapeError(`${what} must be a positive integer, got ${value}`);
  }
}

/** Wraps `data` as a rows×cols matrix after checking the length and that every entry is finite. */
export function matrix(rows: number, cols: number, data: Float32Array | ArrayLike<number>, what = 'matrix'): Matrix {
  const m: Matrix = { rows, cols, data: data instanceof Float32Array ? data : Float32Array.from(data) };
  validateMatrix(m, what);
  return m;
}

/** Throws a ShapeError for bad dimensions and a NonFiniteError naming the first NaN/Inf entry. */
export function validateMatrix(m: Matrix, what: string): void {
  assertPositiveInt(m.rows, `${what}.rows`);
  assertPositiveInt(m.cols, `${what}.cols`);
  if (!(m.data instanceof Float32Array)) throw new ShapeError(`${what}.data must be a Float32Array`);
  if (m.data.length !== m.rows * m.cols) {
    throw new ShapeError(
      `${what}.data has ${m.data.length} entries, expected rows*cols = ${m.rows}*${m.cols} = ${m.rows * m.cols}`,
    );
  }
  const d = m.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    // v - v is NaN exactly when v is NaN or ±Infinity.
    if (v - v !== 0) throw new NonFiniteError(what, i, Math.floor(i / m.cols), i % m.cols, v);
  }
}

/** Checks the linear-layer convention Y[M×N] = X[M×K]·W[N×K]ᵀ and returns {M, K, N}. */
export function matmulShape(
  x: { rows: number; cols: number },
  w: { rows: number; cols: number },
): { M: number; K: number; N: number } {
  if (x.cols !== w.cols) {
    throw new ShapeError(
      `inner dimensions differ: X is ${x.rows}×${x.cols} and W is ${w.rows}×${w.cols}; Y = X·Wᵀ needs X.cols ` +
        `=== W.cols (both K-contiguous)`,
    );
  }
  return { M: x.rows, K: x.cols, N: w.rows };
}
