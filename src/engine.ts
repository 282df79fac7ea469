/**
 * The public engine: a thin façade over the runner (src/gpu/runner.ts), the ops (src/ops/) and the
 * planner. It validates what users pass, uploads CPU matrices, and frees what it made on the way.
 */
import { ShapeError } from './errors.js';
import { checkQuantized, type QuantFormat, type QuantizedMatrix } from './formats/format.js';
import { resolveFormat } from './formats/registry.js';
import type { MemoryStats } from './gpu/buffers.js';
import { requestDevice, type DeviceFeatures } from './gpu/device.js';
import { domainOf } from './gpu/domain.js';
import type { PipelineCache } from './gpu/pipelines.js';
import { GpuRunner, type RunnerOptions } from './gpu/runner.js';
import type { PlannerLimits } from './gpu/split.js';
import { GpuMatrix, GpuQuantizedMatrix, type GpuOperand } from './gpu/tensors.js';
import type { GraphModel, LoadOptions } from './graph/model.js';
import { validateMatrix, type Matrix } from './matrix.js';
import { dequantizeRows } from './ops/dequantize.js';
import { matmulOperands } from './ops/matmul.js';
import {
  defaultTiles,
  isCpuAdapter,
  planMatmul,
  type MatmulOptions,
  type MatmulPlan,
  type MatmulTiles,
} from './ops/plan.js';
import { quantizeRows } from './ops/quantize.js';
import { viterbiQuantizeRows } from './ops/viterbi.js';
import { transformRows } from './ops/transform.js';

/** Options of createEngine(). */
export interface EngineOptions extends RunnerOptions {
  /** Use this device instead of asking navigator.gpu (e.g. one from the `webgpu` package in Node). */
  readonly device?: GPUDevice;
  /** Ask this GPU object instead of navigator.gpu (Node: `create([])` of the `webgpu` package). */
  readonly gpu?: GPU;
  readonly adapterOptions?: GPURequestAdapterOptions;
}

const isGpu = (m: GpuOperand | Matrix): m is GpuOperand => m instanceof GpuMatrix || m instanceof GpuQuantizedMatrix;

/**
 * The engine: quantizes, dequantizes and multiplies on one device. Every method is async where the GPU
 * is involved, validates its inputs, and reports GPU failures as typed errors (errors.ts).
 */
export class Engine {
  readonly runner: GpuRunner;
  /** Default matmul tiles for this adapter class (GPU_TILES or CPU_ADAPTER_TILES). */
  readonly tiles: MatmulTiles;
  /** @internal the engine destroys the device on destroy() when it created it */
  ownsDevice = false;

  constructor(
    readonly device: GPUDevice,
    options: EngineOptions = {},
    readonly adapterInfo?: GPUAdapterInfo,
    gpu?: GPU,
  ) {
    this.runner = new GpuRunner(device, options, gpu);
    this.tiles = defaultTiles(
      isCpuAdapter(adapterInfo ?? (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo),
      device.limits,
    );
  }

  /** Optional features found on the device (subgroups, DP4A, f16, timestamps). */
  get features(): DeviceFeatures {
    return this.runner.features;
  }
  /** The limits work is split by. */
  get limits(): PlannerLimits {
    return this.runner.limits;
  }
  /** Compiled pipelines, one per composed module and entry point. */
  get pipelines(): PipelineCache {
    return this.runner.pipelines;
  }
  /** True once the device was lost or the engine destroyed. */
  get isLost(): boolean {
    return this.runner.isLost;
  }

  /** Copies a validated CPU matrix to the GPU. NaN/Inf → NonFiniteError naming the first bad entry. */
  upload(m: Matrix, what = 'matrix'): GpuMatrix {
    this.runner.assertAlive();
    validateMatrix(m, what);
    return new GpuMatrix(this.runner, m.rows, m.cols, this.runner.upload(m.data, what));
  }

  /** Copies a CPU-quantized matrix (e.g. from format.encode) to the GPU; its streams are checked against its layout. */
  uploadQuantized(q: QuantizedMatrix): GpuQuantizedMatrix {
    this.runner.assertAlive();
    if (typeof q?.format?.layout !== 'function')
      throw new ShapeError('uploadQuantized: expected a QuantizedMatrix with its format');
    checkQuantized(q, q.format, 'uploadQuantized');
    const [codes, scales, aux] = (['codes', 'scales', 'aux'] as const).map((s) =>
      this.runner.upload(q[s], `${q.format.id} ${s}`, Math.max(4, q[s].byteLength)),
    );
    return new GpuQuantizedMatrix(this.runner, q.format, q.rows, q.cols, q.layout, codes, scales, aux);
  }

  /** The matrix's values on the CPU (row-major). */
  async read(m: GpuMatrix): Promise<Float32Array> {
    return new Float32Array(await this.runner.read(m.buffer, m.rows * m.cols * 4, 'read', m.offset * 4));
  }

  /** The three streams on the CPU, exactly as `format.encode` gives them. */
  async readQuantized(q: GpuQuantizedMatrix): Promise<QuantizedMatrix> {
    const w = q.layout.wordsPerRow;
    const get = async (b: GPUBuffer, words: number) =>
      new Uint32Array(words ? await this.runner.read(b, words * 4, 'readQuantized') : new ArrayBuffer(0));
    const [codes, scales, aux] = await Promise.all([
      get(q.codes, q.rows * w.codes),
      get(q.scales, q.rows * w.scales),
      get(q.aux, q.rows * w.aux),
    ]);
    return { format: q.format, rows: q.rows, cols: q.cols, layout: q.layout, codes, scales, aux };
  }

  /** Rotates (and pads) an f32 matrix the way `format` codes its rows; returns `m` itself for other formats. */
  async toCodingDomain(m: GpuMatrix, format: QuantFormat | string): Promise<GpuMatrix> {
    const d = domainOf(resolveFormat(format), m.cols);
    return d ? transformRows(this.runner, m, d, false) : m;
  }

  /**
   * Quantizes a matrix on the GPU. A CPU matrix is validated (shape, NaN/Inf, representable scales) and
   * uploaded first; a GpuMatrix is used as is. The trellis formats are searched on the GPU, rows in parallel
   * (ops/viterbi.ts). A format without a GPU encoder (ggml's types, the dense lattice packings) is encoded on
   * the CPU and its codes uploaded.
   */
  async quantize(input: Matrix | GpuMatrix, format: QuantFormat | string): Promise<GpuQuantizedMatrix> {
    const fmt = resolveFormat(format);
    this.runner.assertAlive();
    // the trellis formats' encoder is a search of its own (rows in parallel), the others' per-word passes
    const encodeRows = fmt.wgsl.viterbi ? viterbiQuantizeRows : fmt.wgsl.encodeSnippet ? quantizeRows : null;
    if (!encodeRows) {
      // No GPU encoder (ggml's types: their quantizers are searches; `-dense` lattice rows: a word depends on
      // many blocks): encode on the CPU, upload the codes.
      const m =
        input instanceof GpuMatrix ? { rows: input.rows, cols: input.cols, data: await this.read(input) } : input;
      validateMatrix(m, 'quantize input');
      // encode throws the FormatError of a scale it cannot store itself: the matrix is encoded once
      return this.uploadQuantized(fmt.encode(m, { what: 'quantize input' }));
    }
    if (input instanceof GpuMatrix) return encodeRows(this.runner, input, fmt);
    validateMatrix(input, 'quantize input');
    fmt.checkRepresentable(input, 'quantize input');
    const src = this.upload(input, 'quantize input');
    try {
      return await encodeRows(this.runner, src, fmt);
    } finally {
      src.destroy();
    }
  }

  /** Decodes a quantized matrix into a dense f32 GpuMatrix (exactly the CPU `format.decode`). */
  async dequantize(q: GpuQuantizedMatrix): Promise<GpuMatrix> {
    this.runner.assertAlive();
    return dequantizeRows(this.runner, q);
  }

  /** Quantize, decode and read back (the GPU twin of `format.decode(format.encode(m)).data`); GPU buffers are freed. */
  async roundTrip(m: Matrix, format: QuantFormat | string): Promise<Float32Array> {
    const q = await this.quantize(m, format);
    try {
      const d = await this.dequantize(q);
      try {
        return await this.read(d);
      } finally {
        d.destroy();
      }
    } finally {
      q.destroy();
    }
  }

  /**
   * Y = X·Wᵀ with X (M×K) and W (N×K) each f32 or quantized in any format; returns Y (M×N, f32). CPU
   * matrices are validated and uploaded; `options.activations` quantizes an f32 X on the GPU first.
   * M ≤ 4 runs the GEMV template, larger M the tiled GEMM; see planMatmul and docs/kernels.md.
   */
  async matmul(x: GpuOperand | Matrix, w: GpuOperand | Matrix, options: MatmulOptions = {}): Promise<GpuMatrix> {
    this.runner.assertAlive();
    const temps: { destroy(): void }[] = [];
    const own = <T extends { destroy(): void }>(m: T) => (temps.push(m), m);
    try {
      let xs: GpuOperand = isGpu(x) ? x : own(this.upload(x, 'X'));
      const ws: GpuOperand = isGpu(w) ? w : own(this.upload(w, 'W'));
      if (options.activations !== undefined) {
        if (!(xs instanceof GpuMatrix))
          throw new ShapeError(`options.activations quantizes an f32 X; X is already ${xs.format.id}`);
        xs = own(await this.quantize(xs, options.activations));
      }
      return await matmulOperands(this, xs, ws, options);
    } finally {
      for (const t of temps) t.destroy();
    }
  }

  /**
   * Loads an ONNX model to run on this engine's GPU for the given input shapes, its linear layers'
   * weights in the chosen formats (and, optionally, their input activations quantized): docs/graph.md.
   * The graph runner is imported on first use, so pages that never load a model do not carry it.
   */
  async loadOnnx(bytes: Uint8Array, options: LoadOptions): Promise<GraphModel> {
    const { GraphModel } = await import('./graph/model.js');
    return GraphModel.load(this, bytes, options);
  }

  /** Which template, integer/float path, DP4A, subgroups and tile a product would use. */
  planMatmul(xs: GpuOperand, ws: GpuOperand, M: number, options: MatmulOptions = {}): MatmulPlan {
    return planMatmul(this, xs, ws, M, options);
  }

  /** GPU memory held by this engine's buffers: live (held by matrices not yet destroyed) and pooled for reuse. */
  memory(): MemoryStats {
    return this.runner.memory();
  }

  /** Waits until all submitted GPU work is done (for timing). */
  async sync(): Promise<void> {
    await this.runner.sync();
  }

  /** Frees pooled buffers; destroys the device only if the engine created it. */
  destroy(): void {
    this.runner.destroy();
    if (this.ownsDevice) this.device.destroy();
  }
}

/**
 * Creates an engine on `options.device`, or on a device from `navigator.gpu` (or `options.gpu`). Throws
 * WebGPUUnavailableError, saying what to enable, when WebGPU is missing.
 *
 * @example
 * ```ts
 * const engine = await createEngine();
 * const y = await engine.read(await engine.matmul(X, await engine.quantize(W, 'int4-g32')));
 * ```
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  if (options.device)
    return new Engine(options.device, options, undefined, (globalThis as { navigator?: Navigator }).navigator?.gpu);
  const gpu = options.gpu ?? (globalThis as { navigator?: Navigator }).navigator?.gpu;
  const { device, adapterInfo } = await requestDevice(gpu, options.adapterOptions);
  const engine = new Engine(device, options, adapterInfo, gpu);
  engine.ownsDevice = true;
  return engine;
}
