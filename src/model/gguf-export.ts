/**
 * A model as a GGUF file for ggml / llama.cpp (docs/interop.md): every selected linear weight quantized
 * to one ggml type with ggml's own quantizer (bit-exact), every other tensor stored in its ggml dtype.
 * * Shapes follow ggml: a weight W (N×K, row-major, K contiguous — an ONNX MatMul weight is stored
 * transposed, so its rows are W's) becomes ne = [K, N]; any other tensor of shape [d0, …, dn] becomes
 * ne = [dn, …, d0] with its bytes as they are. A weight whose K is not whole blocks of the type is kept
 * in f32 (what llama-quantize does with it too) and listed as kept.
 */
import { FormatError, UnsupportedTensorError } from '../errors.js';
import { GgmlFormat } from '../formats/ggml/format.js';
import type { QuantFormat } from '../formats/format.js';
import type { ByteSink } from '../io/byte-source.js';
import { type GgufKv, type GgufTensorSpec, writeGguf } from '../io/gguf.js';
import type { SafetensorsDtype } from '../io/safetensors.js';
import {
  assertFinite,
  countZeroedGroups,
  errorAgainstBound,
  type KeptTensor,
  type LayerReport,
  type ModelReport,
  squaredError,
} from './quantize-model.js';
import type { ModelTensor, WeightSource } from './weights.js';

/** The ggml type of each dtype GGUF can hold as is. */
const GGML_DTYPES: Partial<Record<SafetensorsDtype, string>> = {
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  F64: 'f64',
  I8: 'i8',
  I16: 'i16',
  I32: 'i32',
  I64: 'i64',
};

export interface GgufExportOptions {
  /** A ggml type (q4_0 … iq4_xs): GGUF holds ggml's types only. */
  format: QuantFormat;
  select?: (t: ModelTensor) => boolean;
  /** Where the file goes; absent: measure only. */
  sink?: ByteSink;
  /** `general.name`. */
  name: string;
}

/** Quantizes `src` for GGUF and (with a sink) writes the file. Refuses, before writing, what GGUF cannot hold. */
export async function exportGguf(src: WeightSource, opts: GgufExportOptions): Promise<ModelReport> {
  const format = opts.format;
  if (!(format instanceof GgmlFormat))
    throw new FormatError(
      `a GGUF file holds ggml's types (q4_0, q4_1, q5_0, q8_0, q2_K…q6_K, iq4_nl, iq4_xs); ${format.id} has ` +
        'no ggml type: write a .safetensors container for it',
    );
  const select = opts.select ?? (() => true);
  const quantized = (t: ModelTensor) => t.role === 'linear' && select(t) && t.cols % format.codec.block === 0;
  for (const t of src.tensors) {
    if (!quantized(t) && (t.dtype === null || !GGML_DTYPES[t.dtype]))
      throw new UnsupportedTensorError(
        `${src.name}: tensor ${JSON.stringify(t.name)} is ${t.typeName}, which GGUF has no type for; nothing ` +
          'was written',
      );
  }
  const layers: LayerReport[] = [];
  const kept: KeptTensor[] = [];
  const tensors: GgufTensorSpec[] = [];
  for (const t of src.tensors) {
    if (!quantized(t)) {
      kept.push({
        name: t.name,
        type: t.typeName,
        shape: t.shape,
        reason:
          t.role !== 'linear' ? 'not a linear weight' : select(t) ? 'K not whole blocks' : 'not selected (--only)',
      });
      if (opts.sink) {
        // a weight kept in f32 is written as W (N×K) so ggml multiplies it like the quantized ones
        const asMatrix = t.role === 'linear';
        tensors.push({
          name: t.name,
          type: asMatrix ? 'f32' : GGML_DTYPES[t.dtype!]!,
          ne: asMatrix ? [t.cols, t.rows] : [...t.shape].reverse(),
          bytes: asMatrix
            ? new Uint8Array((await src.readRows(t, 0, t.rows)).slice().buffer)
            : (await src.readBytes(t)).slice(),
        });
      }
      continue;
    }
    const data = await src.readRows(t, 0, t.rows);
    assertFinite(data, t, 0);
    const q = format.encode({ rows: t.rows, cols: t.cols, data }, { what: `tensor ${t.name}` });
    const back = format.decode(q).data;
    const { err, energy } = squaredError(data, back);
    const bits = format.layout(t.cols).bitsPerEntry;
    layers.push({
      name: t.name,
      rows: t.rows,
      cols: t.cols,
      format: format.id,
      bitsPerEntry: bits,
      ...errorAgainstBound(bits, err, energy),
      zeroedGroups: countZeroedGroups(data, back, t.cols, format.codec.block),
      backend: 'cpu',
    });
    if (opts.sink) tensors.push({ name: t.name, type: format.id, ne: [t.cols, t.rows], bytes: format.toGgmlBytes(q) });
  }
  if (opts.sink) {
    const kv: GgufKv[] = [
      { key: 'general.name', type: 'str', value: opts.name },
      { key: 'general.quantization_version', type: 'u32', value: 2 },
      { key: 'wqe.format', type: 'str', value: format.id },
    ];
    await writeGguf(opts.sink, kv, tensors);
  }
  return { layers, kept };
}
