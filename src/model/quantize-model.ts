/**
 * Quantizes every linear weight of a model with one format, streaming row chunks from the source to a
 * container, on the GPU when an engine is given and on the CPU reference otherwise, and measures each
 * layer's error against the Gaussian distortion–rate bound at the rate it actually spends.
 */
import type { Engine } from '../engine.js';
import { NonFiniteError } from '../errors.js';
import type { QuantFormat, QuantizedMatrix } from '../formats/format.js';
import type { ByteSink } from '../io/byte-source.js';
import { ContainerWriter, type ContainerPlanEntry } from '../io/container.js';
import { gaussianDistortionRate, rateLoss } from '../theory/gaussian.js';
import type { ModelTensor, WeightSource } from './weights.js';

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
  /** D(R) = 2^(−2R) at R = bitsPerEntry: the least NMSE any code of that rate reaches on a Gaussian source of the same variance. */
  boundNmse: number;
  /** Rate above that bound: R + ½·log₂(NMSE), in bits. */
  deltaR: number;
  /** Where the codes were computed. */
  backend: 'gpu' | 'cpu';
}

export interface QuantizeProgress {
  tensor: string;
  index: number;
  count: number;
  rowsDone: number;
  rows: number;
}

export interface QuantizeModelOptions {
  format: QuantFormat;
  /** Quantize on this engine's GPU; absent or null: the CPU reference. */
  engine?: Engine | null;
  /** Which linear tensors to quantize (default: all). Others are kept in float when written. */
  select?: (t: ModelTensor) => boolean;
  /** Container output; absent: measure only. */
  sink?: ByteSink;
  /** f32 bytes per row chunk (default 8 MiB): bounds memory whatever the tensor size. */
  chunkBytes?: number;
  onProgress?: (p: QuantizeProgress) => void;
  signal?: AbortSignal;
}

function assertFinite(data: Float32Array, t: ModelTensor, r0: number): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const row = r0 + Math.floor(i / t.cols);
      throw new NonFiniteError(`tensor ${t.name} (as W)`, row * t.cols + (i % t.cols), row, i % t.cols, data[i]);
    }
  }
}

/** Quantizes the selected linear tensors of `src`; returns one report row per quantized tensor. */
export async function quantizeModel(src: WeightSource, opts: QuantizeModelOptions): Promise<LayerReport[]> {
  const { format, engine } = opts;
  const select = opts.select ?? (() => true);
  const chosen = (t: ModelTensor) => t.role === 'linear' && select(t);
  const plan: ContainerPlanEntry[] = src.tensors.map((t) =>
    chosen(t) ? { name: t.name, kind: 'quantized', format, rows: t.rows, cols: t.cols, shape: t.shape, transposed: t.transposed } : { name: t.name, kind: 'float', shape: t.shape },
  );
  const writer = opts.sink ? await ContainerWriter.begin(opts.sink, plan) : null;
  const reports: LayerReport[] = [];
  const count = src.tensors.filter(chosen).length;
  for (const t of src.tensors) {
    opts.signal?.throwIfAborted();
    if (!chosen(t)) {
      if (writer) await writer.writeFloat(await src.readAll(t));
      continue;
    }
    const step = Math.max(1, Math.floor((opts.chunkBytes ?? 8 << 20) / 4 / t.cols));
    const chunks = Math.ceil(t.rows / step);
    // A tensor-wide scale (NVFP4) must come from the whole tensor when it is read in several chunks.
    let tensorAbsMax: number | undefined;
    if (format.wgsl.needsTensorMax && chunks > 1) {
      tensorAbsMax = 0;
      for (let r0 = 0; r0 < t.rows; r0 += step) for (const v of await src.readRows(t, r0, Math.min(step, t.rows - r0))) tensorAbsMax = Math.max(tensorAbsMax, Math.abs(v));
    }
    const useGpu = !!engine && tensorAbsMax === undefined;
    let err = 0;
    let energy = 0;
    const index = reports.length;
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
      for (let i = 0; i < data.length; i++) {
        const d = data[i] - back[i];
        err += d * d;
        energy += data[i] * data[i];
      }
      if (writer) await writer.writeRows(q);
      opts.onProgress?.({ tensor: t.name, index, count, rowsDone: r0 + n, rows: t.rows });
    }
    const bits = format.layout(t.cols).bitsPerEntry;
    const nmse = energy > 0 ? err / energy : 0;
    reports.push({ name: t.name, rows: t.rows, cols: t.cols, format: format.id, bitsPerEntry: bits, nmse, boundNmse: gaussianDistortionRate(bits), deltaR: nmse > 0 ? rateLoss(bits, nmse) : -Infinity, backend: useGpu ? 'gpu' : 'cpu' });
  }
  if (writer) await writer.finish();
  return reports;
}
