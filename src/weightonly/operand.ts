/**
 * A WaterSIC/GPTQ result as an operand of the engine's GEMM: Ŵ = Z·diag(s) with integer Z and one
 * scale per input column. Column scales run along K, which the row-group formats do not store, so they
 * move to the other operand: X·Ŵᵀ = (X·diag(s))·Zᵀ. Z becomes a symmetric INT matrix with one unit f32
 * scale per row (`int<b>-grow-f32`, b the narrowest width holding every integer), so the GEMM and GEMV
 * templates multiply it as they multiply any INT weight.
 */
import { FormatError, ShapeError } from '../errors.js';
import { packRow } from '../formats/bitpack.js';
import { f32Bits } from '../formats/f16.js';
import type { QuantizedMatrix } from '../formats/format.js';
import { INT_BITS, IntFormat } from '../formats/int.js';
import type { Matrix } from '../matrix.js';
import type { WeightOnlyResult } from './watersic.js';

/** A WaterSIC/GPTQ result in engine form (see intOperand). */
export interface IntOperand {
  /** Z (a×n, dead columns 0) as an INT matrix with unit scales. */
  w: QuantizedMatrix;
  /** s (n; dead columns 0): multiply X's columns by these before the product. */
  columnScales: Float32Array;
}

/**
 * A WaterSIC/GPTQ result as a GEMM operand: Z as a unit-scale symmetric INT matrix; multiply scaleColumns(X,
 * columnScales) by it.
 */
export function intOperand(r: Pick<WeightOnlyResult, 'rows' | 'cols' | 'Z' | 'scales' | 'live'>): IntOperand {
  const { rows: a, cols: n, live } = r;
  const m = live.length;
  let lo = 0;
  let hi = 0;
  for (const z of r.Z) {
    lo = Math.min(lo, z);
    hi = Math.max(hi, z);
  }
  const bits = INT_BITS.find((b) => lo >= -(2 ** (b - 1)) && hi <= 2 ** (b - 1) - 1);
  if (!bits)
    throw new FormatError(
      `the integers span [${lo}, ${hi}], wider than 8 bits; quantize at a lower rate or keep the layer in the ` +
        `reference path`,
    );
  const format = new IntFormat({ bits, group: 'row', symmetric: true, scale: 'f32' });
  const layout = format.layout(n);
  const wpr = layout.wordsPerRow;
  const codes = new Uint32Array(a * wpr.codes);
  const scales = new Uint32Array(a * wpr.scales).fill(f32Bits(1));
  const offset = 2 ** (bits - 1);
  const row = new Uint32Array(n).fill(offset); // dead columns: level 0
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < m; j++) row[live[j]] = r.Z[i * m + j] + offset;
    packRow(row, n, bits, codes, i * wpr.codes);
  }
  const columnScales = new Float32Array(n);
  live.forEach((c, j) => {
    columnScales[c] = r.scales[j];
  });
  return { w: { format, rows: a, cols: n, layout, codes, scales, aux: new Uint32Array(0) }, columnScales };
}

/** X·diag(s): the activation side of the product with an IntOperand. */
export function scaleColumns(x: Matrix, s: Float32Array): Matrix {
  if (x.cols !== s.length) throw new ShapeError(`X has ${x.cols} columns, the operand has ${s.length} column scales`);
  const data = new Float32Array(x.data.length);
  for (let i = 0; i < x.rows; i++)
    for (let k = 0; k < x.cols; k++) data[i * x.cols + k] = Math.fround(x.data[i * x.cols + k] * s[k]);
  return { rows: x.rows, cols: x.cols, data };
}

/**
 * A WaterSIC/GPTQ result for onnxruntime's MatMulNBits (src/io/onnx-nbits.ts): Z as `int8-g<group>-f32`
 * with unit scales (MatMulNBits' blocks need a power-of-two group; its scales are per output row and
 * block, so they are 1), and the per-input scales s for the `Mul` the export puts on the activations.
 * Refuses integers outside −128…127.
 */
export function nbitsOperand(
  r: Pick<WeightOnlyResult, 'rows' | 'cols' | 'Z' | 'scales' | 'live'>,
  group = 32,
): IntOperand {
  const { rows: a, cols: n, live } = r;
  const m = live.length;
  const format = new IntFormat({ bits: 8, group, symmetric: true, scale: 'f32' });
  const layout = format.layout(n);
  const wpr = layout.wordsPerRow;
  const codes = new Uint32Array(a * wpr.codes);
  const scales = new Uint32Array(a * wpr.scales).fill(f32Bits(1));
  const row = new Uint32Array(n).fill(128); // dead columns: level 0
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < m; j++) {
      const z = r.Z[i * m + j];
      if (z < -128 || z > 127)
        throw new FormatError(`integer ${z} (row ${i}, input ${live[j]}) does not fit MatMulNBits' 8 bits`);
      row[live[j]] = z + 128;
    }
    packRow(row, n, 8, codes, i * wpr.codes);
  }
  const columnScales = new Float32Array(n);
  live.forEach((c, j) => {
    columnScales[c] = r.scales[j];
  });
  return { w: { format, rows: a, cols: n, layout, codes, scales, aux: new Uint32Array(0) }, columnScales };
}
