/**
 * A model's tensors, whatever file they came from: names, shapes, dtypes, which ones are linear weights,
 * row-window reads of the weight matrices (N×K, K contiguous) so big tensors stream, and the stored
 * bytes of every tensor so the ones that are not quantized can be copied through unchanged.
 */
import { ShapeError } from '../errors.js';
import type { ByteSource } from '../io/byte-source.js';
import { onnxTypeName, readOnnxTensors } from '../io/onnx.js';
import {
  FLOAT_DTYPES,
  readFloatSpan,
  readSafetensorsHeader,
  widenFloats,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from '../io/safetensors.js';

/** One tensor of a model file as the quantizer sees it. */
export interface ModelTensor {
  name: string;
  /** Shape in the file. */
  shape: number[];
  /** The stored element type (safetensors names), or null when it has no fixed-size form (ONNX STRING…). */
  dtype: SafetensorsDtype | null;
  /** The source's own name for the type (e.g. ONNX `INT64`), for messages. */
  typeName: string;
  /**
   * 'linear' when the tensor is a float linear map the engine can quantize as W (N×K): a MatMul weight
   * ([in, out], transposed), a convolution kernel [O, I, kh, kw] as [O, I·kh·kw] (depthwise kernels, one
   * input channel per output, excepted), or a 2-D safetensors weight [out, in].
   */
  role: 'linear' | 'other';
  /** The weight matrix W is the stored tensor transposed. */
  transposed: boolean;
  /** W's rows (N) and columns (K) when role is 'linear'. */
  rows: number;
  cols: number;
}

/** A model file as a list of tensors with streaming reads (onnxWeightSource, safetensorsWeightSource). */
export interface WeightSource {
  readonly name: string;
  readonly tensors: readonly ModelTensor[];
  /** Rows [r0, r0 + n) of W for a linear tensor, as f32. */
  readRows(t: ModelTensor, r0: number, n: number): Promise<Float32Array>;
  /** `length` stored bytes of the tensor from byte `offset` (default: all of it), to copy it unchanged. */
  readBytes(t: ModelTensor, offset?: number, length?: number): Promise<Uint8Array>;
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const isFloat = (d: SafetensorsDtype | null) => d !== null && FLOAT_DTYPES.includes(d);
const other = (name: string, shape: number[], dtype: SafetensorsDtype | null, typeName: string): ModelTensor => ({
  name,
  shape,
  dtype,
  typeName,
  role: 'other',
  transposed: false,
  rows: 0,
  cols: 0,
});

/** Every tensor of an ONNX model; float MatMul weights and convolution kernels (not depthwise) are 'linear'. */
export function onnxWeightSource(bytes: Uint8Array, name = 'ONNX model'): WeightSource {
  const found = readOnnxTensors(bytes, name);
  const byName = new Map(found.map((t) => [t.name, t]));
  const tensors = found.map((t): ModelTensor => {
    const d = t.dims;
    const typeName = onnxTypeName(t.onnxType);
    if (isFloat(t.dtype) && numel(d) > 0) {
      if (d.length === 2 && t.consumers.includes('MatMul'))
        return {
          name: t.name,
          shape: d,
          dtype: t.dtype,
          typeName,
          role: 'linear',
          transposed: true,
          rows: d[1],
          cols: d[0],
        };
      // A conv kernel [O, I, kh, kw] is the matrix [O, I·kh·kw] its implicit GEMM multiplies (im2col's
      // column order). Depthwise kernels (one input channel per output) stay in f32: kh·kw values a row.
      if (d.length === 4 && d[1] > 1 && t.consumers.includes('Conv'))
        return {
          name: t.name,
          shape: d,
          dtype: t.dtype,
          typeName,
          role: 'linear',
          transposed: false,
          rows: d[0],
          cols: d[1] * d[2] * d[3],
        };
    }
    return other(t.name, d, t.dtype, typeName);
  });
  const floats = (t: ModelTensor) => {
    const b = byName.get(t.name)!.bytes();
    return widenFloats(b, t.dtype!, numel(t.shape));
  };
  return {
    name,
    tensors,
    readBytes: async (t, offset = 0, length) => {
      const b = byName.get(t.name)!.bytes();
      return b.subarray(offset, length === undefined ? b.length : offset + length);
    },
    readRows: async (t, r0, n) => {
      const data = floats(t);
      if (!t.transposed) return data.subarray(r0 * t.cols, (r0 + n) * t.cols);
      // MatMul weight [K, N]: W's row r is column r of the stored tensor.
      const out = new Float32Array(n * t.cols);
      for (let r = 0; r < n; r++) for (let k = 0; k < t.cols; k++) out[r * t.cols + k] = data[k * t.rows + r0 + r];
      return out;
    },
  };
}

/**
 * The tensors of a safetensors file. 2-D float tensors are 'linear' as [out, in] (PyTorch's nn.Linear
 * layout) unless `isLinear` says otherwise; nothing is read until asked for.
 */
export async function safetensorsWeightSource(
  src: ByteSource,
  isLinear: (e: SafetensorsEntry) => boolean = (e) => e.shape.length === 2 || (e.shape.length === 4 && e.shape[1] > 1),
): Promise<WeightSource> {
  const header = await readSafetensorsHeader(src);
  const entries = new Map(header.entries.map((e) => [e.name, e]));
  const tensors = header.entries.map(
    (e): ModelTensor =>
      isFloat(e.dtype) && isLinear(e) && numel(e.shape) > 0
        ? {
            name: e.name,
            shape: e.shape,
            dtype: e.dtype,
            typeName: e.dtype,
            role: 'linear',
            transposed: false,
            rows: e.shape[0],
            // [out, in] weights, and conv kernels [O, I, kh, kw] as [O, I·kh·kw]
            cols: numel(e.shape) / e.shape[0],
          }
        : other(e.name, e.shape, e.dtype, e.dtype),
  );
  const entry = (t: ModelTensor) => {
    const e = entries.get(t.name);
    if (!e) throw new ShapeError(`${src.name} has no tensor ${JSON.stringify(t.name)}`);
    return e;
  };
  return {
    name: src.name,
    tensors,
    readRows: (t, r0, n) => readFloatSpan(src, entry(t), r0 * t.cols, n * t.cols),
    readBytes: (t, offset = 0, length) => {
      const e = entry(t);
      const size = e.end - e.begin;
      const n = length ?? size - offset;
      if (offset < 0 || n < 0 || offset + n > size)
        throw new ShapeError(`tensor ${JSON.stringify(t.name)}: bytes [${offset}, ${offset + n}) outside its ${size}`);
      return src.read(e.begin + offset, n);
    },
  };
}
