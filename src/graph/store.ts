/**
 * What a loaded model holds on the GPU besides its activations: constants (biases, depthwise kernels,
 * tables, uploaded once by content or name) and each linear layer's weights — quantized on the GPU, taken
 * from the caller (calibrated schemes) or kept in f32 — in exact-size buffers, with their bytes and error
 * counted for the report. The lowering (lower.ts) reaches it through its LowerContext.
 */
import type { Engine } from '../engine.js';
import { ShapeError } from '../errors.js';
import type { QuantFormat } from '../formats/format.js';
import { GpuMatrix, GpuQuantizedMatrix, type GpuOperand } from '../gpu/tensors.js';
import type { Matrix } from '../matrix.js';
import { asFloats } from './host.js';
import type { LinearLayer, StoredWeight } from './lower.js';
import type { PreQuantized } from './model.js';
import type { Value } from './resolve.js';

/** What the model keeps of one linear layer's weights. */
export interface LayerWeights {
  readonly bytes: number;
  readonly nmse: number;
  readonly operand: GpuOperand;
  readonly layer: LinearLayer;
  readonly columnScales?: Float32Array;
}

export class ModelStore {
  constantBytes = 0;
  weightBytes = 0;
  readonly layers = new Map<string, LayerWeights>();
  private readonly owned: { destroy(): void }[] = [];
  private readonly constants = new Map<string, GPUBuffer>();
  private readonly metas = new Map<string, GPUBuffer>();

  constructor(
    private readonly engine: Engine,
    private readonly quantized?: ReadonlyMap<string, PreQuantized>,
  ) {}

  /** `data` in an exact-size buffer that lives as long as the model. */
  floats(data: ArrayBufferView, what: string): GPUBuffer {
    const runner = this.engine.runner;
    const b = runner.upload(data, what, Math.max(4, data.byteLength), true);
    this.owned.push({ destroy: () => runner.release(b) });
    this.constantBytes += b.size;
    return b;
  }

  /** A constant value of the graph, uploaded once. */
  constant(v: Value): GPUBuffer {
    let b = this.constants.get(v.name);
    if (!b) this.constants.set(v.name, (b = this.floats(asFloats(v.constant!), v.name)));
    return b;
  }

  /** u32 metadata (strides, tables, sign bits), uploaded once per distinct content. */
  meta(words: readonly number[]): GPUBuffer {
    const key = words.join(',');
    let b = this.metas.get(key);
    if (!b) this.metas.set(key, (b = this.floats(Uint32Array.from(words), 'meta')));
    return b;
  }

  /** The caller's quantized weights for a layer, if any. */
  preQuantized(layer: LinearLayer): PreQuantized | undefined {
    return this.quantized?.get(layer.name);
  }

  /** Stores a layer's weights: f32 (`format` null), the caller's, or quantized on the GPU in `format`. */
  async weight(layer: LinearLayer, w: Matrix, format: QuantFormat | null): Promise<StoredWeight> {
    const { engine } = this;
    const runner = engine.runner;
    // Weights live as long as the model: exact-size buffers (GpuRunner.compact), not pool size classes.
    if (!format) {
      const m = new GpuMatrix(runner, w.rows, w.cols, runner.upload(w.data, layer.name, undefined, true));
      this.keep(m, { bytes: m.buffer.size, nmse: 0, operand: m, layer });
      return { operand: m, columnScales: null };
    }
    const pre = this.preQuantized(layer);
    if (pre && (pre.w.rows !== w.rows || pre.w.cols !== w.cols))
      throw new ShapeError(
        `quantized weights for ${layer.name} are ${pre.w.rows}×${pre.w.cols}; the layer's W is ${w.rows}×${w.cols}`,
      );
    const pooled = pre ? engine.uploadQuantized(pre.w) : await engine.quantize(w, format);
    const l = pooled.layout.wordsPerRow;
    const [codes, scales, aux] = (['codes', 'scales', 'aux'] as const).map((s) =>
      runner.compact(pooled[s], 4 * pooled.rows * l[s], `${layer.name} ${s}`),
    );
    const q = new GpuQuantizedMatrix(runner, format, pooled.rows, pooled.cols, pooled.layout, codes, scales, aux);
    const s = pre?.columnScales;
    const back = format.decode(await engine.readQuantized(q)).data;
    this.keep(q, {
      bytes: codes.size + scales.size + aux.size + (s?.byteLength ?? 0),
      nmse: relativeError(s ? back.map((v, i) => v * s[i % w.cols]) : back, w.data),
      operand: q,
      layer,
      columnScales: s,
    });
    return { operand: q, columnScales: s ?? null };
  }

  /** Frees every buffer the store holds. */
  destroy(): void {
    for (const o of this.owned) o.destroy();
  }

  private keep(o: { destroy(): void }, lw: LayerWeights): void {
    this.owned.push(o);
    this.weightBytes += lw.bytes;
    this.layers.set(lw.layer.name, lw);
  }
}

/** ‖a − b‖² / ‖b‖² (0 when b is zero). */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let energy = 0;
  for (let i = 0; i < b.length; i++) {
    err += (a[i] - b[i]) ** 2;
    energy += b[i] ** 2;
  }
  return energy > 0 ? err / energy : 0;
}
