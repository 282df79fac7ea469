/**
 * How an operand is bound to a kernel template: its composed snippet (a format's, or plain f32 rows)
 * and, for rows [r0, r1), the storage windows and the `<prefix>_meta` uniform the template's
 * `<prefix>_…` functions read (shaders/formats/streams.wgsl, shaders/formats/f32*.wgsl).
 */
import type { WgslSpec } from '../formats/format.js';
import type { OperandSpec } from '../gpu/compose.js';
import type { GpuRunner } from '../gpu/runner.js';
import type { Window } from '../gpu/split.js';
import { GpuMatrix, type GpuOperand } from '../gpu/tensors.js';

const F32_SPEC: OperandSpec = { wgsl: { snippet: 'formats/f32.wgsl', constants: {} }, access: 'read' };
/** f32 rows of a multiple of 4 entries: windows then start on 16 bytes too, so the operand is read as vec4. */
const F32_VEC4_SPEC: OperandSpec = { wgsl: { snippet: 'formats/f32_vec4.wgsl', constants: {} }, access: 'read' };

/** The snippet an operand is composed with. */
export function operandSpec(op: GpuOperand, runner: GpuRunner): OperandSpec {
  if (op instanceof GpuMatrix)
    return op.cols % 4 === 0 && op.offset % 4 === 0 && runner.limits.minStorageBufferOffsetAlignment % 16 === 0
      ? F32_VEC4_SPEC
      : F32_SPEC;
  return { wgsl: op.format.wgsl, access: 'read' };
}

/** A quantized operand planned before it exists (options.activations): bound read-only like any other. */
export function formatSpec(wgsl: WgslSpec): OperandSpec {
  return { wgsl, access: 'read' };
}

/** The widest row of the operand in 4-byte words (what limits the rows one binding window holds). */
export function rowWords(op: GpuOperand): number {
  if (op instanceof GpuMatrix) return op.cols;
  const w = op.layout.wordsPerRow;
  return Math.max(w.codes, w.scales, w.aux);
}

/** Storage windows and meta uniform of rows [r0, r1) of an operand, under the template's prefix. */
export function operandWindow(runner: GpuRunner, prefix: string, op: GpuOperand, r0: number, r1: number) {
  const storage: Record<string, Window> = {};
  const uniforms: Record<string, Record<string, number>> = {};
  if (op instanceof GpuMatrix) {
    const w = runner.window(op.buffer, op.offset + r0 * op.cols, (r1 - r0) * op.cols);
    storage[`${prefix}_data`] = w;
    uniforms[`${prefix}_meta`] = { k: op.cols, stride: op.cols, base: w.base };
    return { storage, uniforms };
  }
  const l = op.layout;
  // An empty stream (a symmetric format's aux) still needs a valid binding: one word of its buffer.
  const win = (b: GPUBuffer, wpr: number) =>
    wpr ? runner.window(b, r0 * wpr, (r1 - r0) * wpr) : runner.window(b, 0, 1);
  const codes = win(op.codes, l.wordsPerRow.codes);
  const scales = win(op.scales, l.wordsPerRow.scales);
  const aux = win(op.aux, l.wordsPerRow.aux);
  Object.assign(storage, { [`${prefix}_codes`]: codes, [`${prefix}_scales`]: scales, [`${prefix}_aux`]: aux });
  const codedK = l.codedK ?? l.K;
  uniforms[`${prefix}_meta`] = {
    k: codedK,
    group_size: l.groupSize,
    groups: l.groups,
    codes_stride: l.wordsPerRow.codes,
    scales_stride: l.wordsPerRow.scales,
    aux_stride: l.wordsPerRow.aux,
    codes_base: codes.base,
    scales_base: scales.base,
    aux_base: aux.base,
    inv_k: Math.fround(1 / codedK),
    row0: r0,
  };
  return { storage, uniforms };
}
