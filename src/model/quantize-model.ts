/**
 * Quantizes every linear weight of a model with one format, streaming row chunks from the source to a
 * container (every other tensor copied through unchanged), on the GPU when an engine is given and on the CPU reference
 * otherwise, and measures each layer's error against the Gaussian distortion–rate bound at the rate it actually spends.
 */
import type { Engine } from '../engine.js';
import { NonFiniteError, UnsupportedTensorError } from '../errors.js';
import type { QuantFormat, QuantizedMatrix } from '../formats/format.js';
import type { ByteSink } from '../io/byte-source.js';
import { ContainerWriter, type ContainerPlanEntry } from '../io/container.js';
import { DTYPE_BYTES } from '../io/safetensors.js';
import { gaussianDistortionRate, rateLoss } from '../theory/gaussian.js';
import type { ModelTensor, WeightSource } from './weights.js';

/** One quantized layer of a model: shape, format, stored rate, error and its Gaussian bound. */
export interface LayerReport {
  name: string;
  /** W's shape N×K (rows × cols). */
  rows: number;
  cols: number;
  format: string;
  /** Stored bits per entry, scales and padding counted. */
  bitsPerEntry: number;
  /** ‖W − Ŵ‖² / ‖W‖². */
  nmse: number;
  /**
   * D(R) = 2^(−2R) at R = bitsPerEntry: the least NMSE any code of that rate reaches on a Gaussian source of the same
   * variance.
   */
  boundNmse: number;
  /** Rate above that bound: R + ½·log₂(NMSE), in bits. */
  deltaR: number;
  /**
   * Scale groups (a whole row for formats with a per-row scale) that held non-zero weights and decode
   * to all zeros: their scale underflowed the scale type (values far below its smallest step).
   */
  zeroedGroups: number;
  /** Where the codes were computed. */
  backend: 'gpu' | 'cpu';
}

/** A tensor of the source that was not quantized (and, when writing, was copied through unchanged). */
export interface KeptTensor {
  name: string;
  /** The source's type name (F32, I64, ONNX INT64…). */
  type: string;
  shape: number[];
  reason: 'not a linear weight' | 'not selected (--only)' | 'K not whole blocks';
}

/** What quantizeModel did: the quantized layers and every tensor it kept as it was. */
export interface ModelReport {
  /** One row per quantized tensor, in source order. */
  layers: LayerReport[];
  /** Every other tensor, in source order. */
  kept: KeptTensor[];
}

/** Progress of quantizeModel() within the current tensor. */
export interface QuantizeProgress {
  tensor: string;
  index: number;
  count: number;
  rowsDone: number;
  rows: number;
}

/** Options of quantizeModel(). */
export interface QuantizeModelOptions {
  format: QuantFormat;
  /** Quantize on this engine's GPU; absent or null: the CPU reference. */
  engine?: Engine | null;
  /** Which linear tensors to quantize (default: all). Others are copied unchanged when written. */
  select?: (t: ModelTensor) => boolean;
  /** Container output; absent: measure only. */
  sink?: ByteSink;
  /** f32 bytes per row chunk (default 8 MiB): bounds memory whatever the tensor size. */
  chunkBytes?: number;
  onProgress?: (p: QuantizeProgress) => void;
  signal?: AbortSignal;
}

/** Throws a NonFiniteError naming the tensor, row and column of the first NaN or ±Infinity (rows from r0). */
export function assertFinite(data: Float32Array, t: ModelTensor, r0: number): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = r0 + Math.floor(i / t.cols);
      throw new NonFiniteError(`tensor ${t.name} (as W)`, row * t.cols + (i % t.cols), row, i % t.cols, data[i]);
    }
  }
}

/** Groups of `g` entries along each row that are non-zero in `data` and all zero in `back`. */
export function countZeroedGroups(data: Float32Array, back: Float32Array, cols: number, g: number): number {
  let n = 0;
  for (let r0 = 0; r0 < data.length; r0 += cols) {
    for (let k0 = 0; k0 < cols; k0 += g) {
      let had = false;
      let kept = false;
      for (let i = r0 + k0; i < r0 + Math.min(cols, k0 + g); i++) {
        had ||= data[i] !== 0;
        kept ||= back[i] !== 0;
      }
      if (had && !kept) n++;
    }
  }
  return n;
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** ‖w − ŵ‖² and ‖w‖² (f64 sums), to add up over row chunks. */
export function squaredError(w: Float32Array, back: Float32Array): { err: number; energy: number } {
  let err = 0;
  let energy = 0;
  for (let i = 0; i < w.length; i++) {
    const d = w[i] - back[i];
    err += d * d;
    energy += w[i] * w[i];
  }
  return { err, energy };
}

/** A tensor's NMSE = err/energy beside the Gaussian D(R) at its rate, and ΔR = R + ½·log₂ NMSE. */
export function errorAgainstBound(
  bits: number,
  err: number,
  energy: number,
): Pick<LayerReport, 'nmse' | 'boundNmse' | 'deltaR'> {
  const nmse = energy > 0 ? err / energy : 0;
  return { nmse, boundNmse: gaussianDistortionRate(bits), deltaR: nmse > 0 ? rateLoss(bits, nmse) : -Infinity };
}

/**
 * Quantizes the selected linear tensors of `src` and, when a sink is given, writes a container holding
 * them and every other tensor copied unchanged. Returns the per-layer report and the kept tensors.
 */
export async function quantizeModel(src: WeightSource, opts: QuantizeModelOptions): Promise<ModelReport> {
  const { format, engine } = opts;
  const select = opts.select ?? (() => true);
  const chosen = (t: ModelTensor) => t.role === 'linear' && select(t);
  const chunkBytes = opts.chunkBytes ?? 8 << 20;
  if (opts.sink) {
    const lost = src.tensors.find((t) => !chosen(t) && t.dtype === null);
    if (lost)
      throw new UnsupportedTensorError(
        `${src.name}: tensor ${JSON.stringify(lost.name)} is ${lost.typeName}, which the container cannot store ` +
          `(no fixed-size binary form); nothing was written`,
      );
  }
  const plan: ContainerPlanEntry[] = src.tensors.map((t) =>
    chosen(t)
      ? {
          name: t.name,
          kind: 'quantized',
          format,
          rows: t.rows,
          cols: t.cols,
          shape: t.shape,
          transposed: t.transposed,
        }
      : { name: t.name, kind: 'copied', dtype: t.dtype!, shape: t.shape },
  );
  const writer = opts.sink ? await ContainerWriter.begin(opts.sink, plan) : null;
  const layers: LayerReport[] = [];
  const kept: KeptTensor[] = [];
  const count = src.tensors.filter(chosen).length;
  for (const t of src.tensors) {
    opts.signal?.throwIfAborted();
    if (!chosen(t)) {
      kept.push({
        name: t.name,
        type: t.typeName,
        shape: t.shape,
        reason: t.role === 'linear' ? 'not selected (--only)' : 'not a linear weight',
      });
      if (!writer) continue;
      const size = numel(t.shape) * DTYPE_BYTES[t.dtype!];
      for (let at = 0; at < size; at += chunkBytes)
        await writer.writeBytes(await src.readBytes(t, at, Math.min(chunkBytes, size - at)));
      continue;
    }
    const step = Math.max(1, Math.floor(chunkBytes / 4 / t.cols));
    const chunks = Math.ceil(t.rows / step);
    // A tensor-wide scale (NVFP4) must come from the whole tensor when it is read in several chunks.
    let tensorAbsMax: number | undefined;
    if (format.wgsl.needsTensorMax && chunks > 1) {
      tensorAbsMax = 0;
      for (let r0 = 0; r0 < t.rows; r0 += step)
        for (const v of await src.readRows(t, r0, Math.min(step, t.rows - r0)))
          tensorAbsMax = Math.max(tensorAbsMax, Math.abs(v));
    }
    const useGpu = !!engine && tensorAbsMax === undefined;
    const layout = format.layout(t.cols);
    // Formats coded in a rotated domain have one scale (σ) per row.
    const scaleGroup = format.coding ? t.cols : layout.groupSize;
    let err = 0;
    let energy = 0;
    let zeroedGroups = 0;
    const index = layers.length;
    for (let r0 = 0; r0 < t.rows; r0 += step) {
      opts.signal?.throwIfAborted();
      const n = Math.min(step, t.rows - r0);
      const data = await src.readRows(t, r0, n);
      assertFinite(data, t, r0);
      const m = { rows: n, cols: t.cols, data };
      let q: QuantizedMatrix;
      if (useGpu) {
        const g = await engine!.quantize(m, format);
        q = await engine!.readQuantized(g);
        g.destroy();
      } else q = format.encode(m, { tensorAbsMax });
      const back = format.decode(q).data;
      const e = squaredError(data, back);
      err += e.err;
      energy += e.energy;
      zeroedGroups += countZeroedGroups(data, back, t.cols, scaleGroup);
      if (writer) await writer.writeRows(q);
      opts.onProgress?.({ tensor: t.name, index, count, rowsDone: r0 + n, rows: t.rows });
    }
    const bits = layout.bitsPerEntry;
    layers.push({
      name: t.name,
      rows: t.rows,
      cols: t.cols,
      format: format.id,
      bitsPerEntry: bits,
      ...errorAgainstBound(bits, err, energy),
      zeroedGroups,
      backend: useGpu ? 'gpu' : 'cpu',
    });
  }
  if (writer) await writer.finish();
  return { layers, kept };
}
