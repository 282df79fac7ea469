/**
 * Tensors held on the CPU while a graph is resolved: constants, shape arithmetic, and the CPU reference
 * executor's values. Floats are f32; integers (shapes, indices, bools) are JS numbers.
 */
import { ShapeError } from '../errors.js';

/** A CPU tensor: f32 values, or integer values (int64 shapes and indices within the safe range). */
export type HostTensor =
  | { readonly kind: 'f32'; readonly dims: readonly number[]; readonly data: Float32Array }
  | { readonly kind: 'int'; readonly dims: readonly number[]; readonly data: readonly number[] };

/** Number of elements of a shape (1 for a scalar). */
export const numel = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Row-major strides of a shape, in elements. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

/** An axis in [−rank, rank) as a non-negative index. */
export function normAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank)
    throw new ShapeError(`${what}: axis ${axis} is outside a rank-${rank} tensor`);
  return a;
}

/** The shape two shapes broadcast to (ONNX multidirectional broadcasting, numpy rules). */
export function broadcastDims(a: readonly number[], b: readonly number[], what: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1)
      throw new ShapeError(`${what}: shapes ${JSON.stringify(a)} and ${JSON.stringify(b)} do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Strides that read a tensor of `dims` at the coordinates of a broadcast `out` shape (0 along broadcast axes). */
export function broadcastStrides(dims: readonly number[], out: readonly number[]): number[] {
  const s = stridesOf(dims);
  return out.map((_d, i) => {
    const j = i - (out.length - dims.length);
    return j < 0 || dims[j] === 1 ? 0 : s[j];
  });
}

export const f32Tensor = (dims: readonly number[], data: Float32Array): HostTensor => ({ kind: 'f32', dims, data });
export const intTensor = (dims: readonly number[], data: readonly number[]): HostTensor => ({
  kind: 'int',
  dims,
  data,
});

/** The values as f32 whatever the kind. */
export function asFloats(t: HostTensor): Float32Array {
  return t.kind === 'f32' ? t.data : Float32Array.from(t.data);
}

/** The values as integers (floats truncated toward zero, as ONNX Cast does). */
export function asInts(t: HostTensor): number[] {
  return t.kind === 'int' ? [...t.data] : Array.from(t.data, Math.trunc);
}
