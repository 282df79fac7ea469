/**
 * A model's tensors, whatever file they came from: names, shapes, which ones are linear weights, and
 * row-window reads of the weight matrices (N×K, K contiguous) so big tensors stream.
 */
import { ShapeError } from '../errors.js';
import type { ByteSource } from '../io/byte-source.js';
import { readOnnxWeights, type OnnxTensor } from '../io/onnx.js';
import { FLOAT_DTYPES, readFloatRows, readSafetensorsHeader, type SafetensorsEntry } from '../io/safetensors.js';

export interface ModelTensor {
  name: string;
  /** Shape in the file. */
  shape: number[];
  /**
   * 'linear' when the tensor is a linear map the engine can quantize as W (N×K): a MatMul weight
   * ([in, out], transposed), a 1×1 convolution [out, in, 1, 1], or a 2-D safetensors weight [out, in].
   */
  role: 'linear' | 'other';
  /** The weight matrix W is the stored tensor transposed. */
  transposed: boolean;
  /** W's rows (N) and columns (K) when role is 'linear'. */
  rows: number;
  cols: number;
}

export interface WeightSource {
  readonly name: string;
  readonly tensors: readonly ModelTensor[];
  /** Rows [r0, r0 + n) of W for a linear tensor, as f32. */
  readRows(t: ModelTensor, r0: number, n: number): Promise<Float32Array>;
  /** The whole tensor as stored (f32), for tensors kept in float. */
  readAll(t: ModelTensor): Promise<Float32Array>;
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Every float tensor of an ONNX model; MatMul weights and 1×1 convolutions are 'linear'. */
export function onnxWeightSource(bytes: Uint8Array, name = 'ONNX model'): WeightSource {
  const found = readOnnxWeights(bytes, name);
  const byName = new Map<string, OnnxTensor>(found.map((t) => [t.name, t]));
  const tensors = found.map((t): ModelTensor => {
    const d = t.dims;
    if (d.length === 2 && t.consumers.includes('MatMul')) return { name: t.name, shape: d, role: 'linear', transposed: true, rows: d[1], cols: d[0] };
    if (d.length === 4 && d[2] === 1 && d[3] === 1 && t.consumers.includes('Conv')) return { name: t.name, shape: d, role: 'linear', transposed: false, rows: d[0], cols: d[1] };
    return { name: t.name, shape: d, role: 'other', transposed: false, rows: 0, cols: 0 };
  });
  return {
    name,
    tensors,
    readAll: async (t) => byName.get(t.name)!.data,
    readRows: async (t, r0, n) => {
      const data = byName.get(t.name)!.data;
      if (!t.transposed) return data.subarray(r0 * t.cols, (r0 + n) * t.cols);
      // MatMul weight [K, N]: W's row r is column r of the stored tensor.
      const out = new Float32Array(n * t.cols);
      for (let r = 0; r < n; r++) for (let k = 0; k < t.cols; k++) out[r * t.cols + k] = data[k * t.rows + r0 + r];
      return out;
    },
  };
}

/**
 * The float tensors of a safetensors file. 2-D tensors are 'linear' as [out, in] (PyTorch's nn.Linear
 * layout) unless `isLinear` says otherwise; nothing is read until asked for.
 */
export async function safetensorsWeightSource(src: ByteSource, isLinear: (e: SafetensorsEntry) => boolean = (e) => e.shape.length === 2): Promise<WeightSource> {
  const header = await readSafetensorsHeader(src);
  const entries = new Map(header.entries.map((e) => [e.name, e]));
  const tensors = header.entries
    .filter((e) => FLOAT_DTYPES.includes(e.dtype))
    .map((e): ModelTensor => (isLinear(e) && numel(e.shape) > 0 ? { name: e.name, shape: e.shape, role: 'linear', transposed: false, rows: e.shape[0], cols: e.shape[1] } : { name: e.name, shape: e.shape, role: 'other', transposed: false, rows: 0, cols: 0 }));
  const entry = (t: ModelTensor) => {
    const e = entries.get(t.name);
    if (!e) throw new ShapeError(`${src.name} has no tensor ${t.name}`);
    return e;
  };
  return {
    name: src.name,
    tensors,
    readRows: (t, r0, n) => readFloatRows(src, entry(t), r0, n),
    readAll: async (t) => {
      const e = entry(t);
      const rows = e.shape.length ? numel(e.shape) / (e.shape[e.shape.length - 1] || 1) : 1;
      return numel(e.shape) ? readFloatRows(src, e, 0, rows) : new Float32Array(0);
    },
  };
}
