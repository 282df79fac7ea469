/** The matrices the demo draws: the distributions users' tensors resemble, all seeded. */
import type { Matrix } from '../src/matrix.js';
import { gaussianMatrix, outlierColumnsMatrix, Rng, studentTMatrix } from '../src/reference/random.js';

export type Distribution = 'gaussian' | 'student' | 'outliers';

export const DISTRIBUTIONS: Record<Distribution, string> = {
  gaussian: 'Gaussian N(0, 1)',
  student: 'Student-t (ν = 4, heavy tails)',
  outliers: 'Gaussian with 4 outlier columns (×50)',
};

export function drawMatrix(dist: Distribution, rows: number, cols: number, rng: Rng): Matrix {
  if (dist === 'student') return studentTMatrix(rows, cols, rng);
  if (dist === 'outliers') return outlierColumnsMatrix(rows, cols, rng);
  return gaussianMatrix(rows, cols, rng);
}

/** Throws the standard AbortError when the user pressed Cancel (checked between GPU steps). */
export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new DOMException('cancelled', 'AbortError');
}
