/** Seeded inputs for kernel tests, including the hard ones for an encoder (each family's own, formats/traits.ts). */
import type { QuantFormat } from '../src/formats/format.js';
import { boundaryInput } from '../src/formats/traits.js';
import type { Matrix } from '../src/matrix.js';
import { gaussianMatrix, outlierColumnsMatrix, type Rng, studentTMatrix } from '../src/reference/random.js';

export type InputKind = 'gaussian' | 'student' | 'outliers' | 'boundary';

export function makeInput(kind: InputKind, rows: number, cols: number, rng: Rng, format?: QuantFormat): Matrix {
  switch (kind) {
    case 'gaussian':
      return gaussianMatrix(rows, cols, rng);
    case 'student':
      return studentTMatrix(rows, cols, rng, 3);
    case 'outliers':
      return outlierColumnsMatrix(rows, cols, rng, 3, 100);
    case 'boundary':
      if (!format) throw new TypeError('boundary inputs are built for a format: pass it');
      return boundaryInput(format, rows, cols, rng);
  }
}
