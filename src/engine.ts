import { DeviceLostError, GpuExecutionError, QuantEngineError, ShapeError } from './errors.js';
import { checkQuantized, type Layout, type QuantFormat, type QuantizedMatrix } from './formats/format.js';
import type { HadamardRotation } from './transforms/hadamard.js';
import { resolveFormat } from './formats/registry.js';
import { BufferPool, readBuffer, storageSize, writeBuffer, type MemoryStats } from './gpu/buffers.js';
import type { ComposeRequest, OperandSpec } from './gpu/compose.js';
import { describeFeatures, requestDevice, type DeviceFeatures } from './gpu/device.js';
import { encodeDispatch, PipelineCache, type Kernel } from './gpu/pipelines.js';
import { checkBufferSize, ranges, rowsPerWindow, windowOf, type PlannerLimits, type Window } from './gpu/split.js';
import { matmulShape, validateMatrix, type Matrix } from './matrix.js';

/** Options of createEngine(). */
export interface EngineOptions {
  /** Use this device instead of asking navigator.gpu (e.g. one from the `webgpu` package in Node). */
  readonly device?: GPUDevice;
  /** Ask this GPU object instead of navigator.gpu (Node: `create([])` of the `webgpu` package). */
  readonly gpu?: GPU;
  readonly adapterOptions?: GPURequestAdapterOptions;
  /**
   * Lower the limits the planner splits work by (never above the device's). Tests use this to force
   * splitting (e.g. 64 KiB bindings) and prove results do not change.
   */
  readonly limits?: Partial<Pick<PlannerLimits, 'maxStorageBufferBindingSize' | 'maxComputeWorkgroupsPerDimension'>>;
  /** Debug: fill every output buffer with NaN bits before a kernel writes it (tests check full writes). */
  readonly poisonOutputs?: boolean;
}

/** Bits written into output buffers when `poisonOutputs` is on (an f32 quiet NaN). */
export const POISON_BITS = 0x7fc00000;

/** A dense f32 matrix in GPU memory (row-major, K contiguous). */
export class GpuMatrix {
  private freed = false;
  constructor(
    readonly engine: Engine,
    readonly rows: number,
    readonly cols: number,
    readonly buffer: GPUBuffer,
  ) {}
  /** Returns the buffer to the engine's pool; a second call does nothing (the buffer may already serve another matrix). */
  destroy(): void {
    if (this.freed) return;
    this.freed = true;
    this.engine.release(this.buffer);
  }
}

/** A quantized matrix in GPU memory: the three streams of its format's layout. */
export class GpuQuantizedMatrix {
  constructor(
    readonly engine: Engine,
    readonly format: QuantFormat,
    readonly rows: number,
    readonly cols: number,
    readonly layout: Layout,
    readonly codes: GPUBuffer,
    readonly scales: GPUBuffer,
    readonly aux: GPUBuffer,
  ) {}
  private freed = false;
  get bitsPerEntry(): number {
    return this.layout.bitsPerEntry;
  }
  /** Returns the buffers to the engine's pool; idempotent. */
  destroy(): void {
    if (this.freed) return;
    this.freed = true;
    this.engine.release(this.codes);
    this.engine.release(this.scales);
    this.engine.release(this.aux);
  }
}

/** Either operand of a GPU product: a dense f32 matrix or a quantized one. */
export type GpuOperand = GpuMatrix | GpuQuantizedMatrix;

/** Entries per invocation of quantize_tensor_max (shaders/quantize.wgsl). */
const TENSOR_MAX_STRIP = 256; // = TENSOR_MAX_STRIP in shaders/quantize.wgsl

/** The largest M the GEMV template takes (one vec4 of partial sums per thread). */
export const GEMV_MAX_M = 4;

/** GEMM tile: WG_X × WG_Y threads, each 4·rqM × 4·rqN outputs; tileK entries of K staged per step. */
export interface GemmTile {
  readonly wgX: number;
  readonly wgY: number;
  readonly rqM: number;
  readonly rqN: number;
  readonly tileK: number;
}
/**
 * Default tiles per adapter class, measured with `npm run bench:gpu -- --tile … / --gemv-tile …`.
 * GPUs: the usual 8×8 threads × 4×4 outputs (32×32 tile) and 8 rows × 32 split-K lanes for GEMV.
 * CPU-backed adapters (SwiftShader runs invocations as SIMD lanes on 2 cores, barriers are costly):
 * few threads with big unrolled register tiles — float GEMM 2×16 threads × 8×32 outputs (a 128×64 tile:
 * each W tile decoded once per 128 rows of X; 1.5–2× faster than 64×64 at 256×1024²), integer GEMM
 * 4×8 threads × 4×16 — and for GEMV one thread per row (no reduction) covering 8 rows
 * (each X block decoded once for all 8; 2 where W's own decode dominates) — 2–4× faster there.
 */
export interface MatmulTiles {
  readonly gemm: GemmTile;
  readonly gemmInt: GemmTile;
  readonly gemv: GemvTile;
  /** GEMV whose W decodes entry by entry (lattice, LUT and minifloat formats): its decode, not X, dominates. */
  readonly gemvDecode: GemvTile;
}
/** Default tiles on GPUs: 8×8 threads × 4×4 outputs for GEMM, 8 rows × 32 split-K lanes for GEMV. */
export const GPU_TILES: MatmulTiles = {
  gemm: { wgX: 8, wgY: 8, rqM: 1, rqN: 1, tileK: 32 },
  gemmInt: { wgX: 8, wgY: 8, rqM: 1, rqN: 1, tileK: 32 },
  gemv: { rows: 8, lanes: 32, rowsPerThread: 1 },
  gemvDecode: { rows: 8, lanes: 32, rowsPerThread: 1 },
};
/** Default tiles on CPU-backed adapters (SwiftShader, llvmpipe): few threads, big unrolled register tiles (see MatmulTiles). */
export const CPU_ADAPTER_TILES: MatmulTiles = {
  gemm: { wgX: 2, wgY: 16, rqM: 2, rqN: 8, tileK: 32 },
  gemmInt: { wgX: 4, wgY: 8, rqM: 1, rqN: 4, tileK: 32 },
  gemv: { rows: 32, lanes: 1, rowsPerThread: 8 },
  gemvDecode: { rows: 64, lanes: 1, rowsPerThread: 2 },
};

/** Workgroup memory a GEMM tile stages per K step (matmul/gemm.wgsl: vec4 tiles; gemm_int.wgsl: 8 bytes + an f32 factor per block). */
export function gemmWorkgroupBytes(t: GemmTile, integer: boolean): number {
  const rows = 4 * (t.rqM * t.wgY + t.rqN * t.wgX);
  return integer ? (t.tileK / 8) * rows * 12 : t.tileK * rows * 4;
}

/** The adapter class's tiles, with GPU_TILES' GEMM tiles where the big CPU-class tiles exceed the device's workgroup limits. */
export function defaultTiles(cpu: boolean, limits: GPUSupportedLimits): MatmulTiles {
  if (!cpu) return GPU_TILES;
  const fits = (t: GemmTile, integer: boolean) => gemmWorkgroupBytes(t, integer) <= limits.maxComputeWorkgroupStorageSize && t.wgX * t.wgY <= limits.maxComputeInvocationsPerWorkgroup;
  const c = CPU_ADAPTER_TILES;
  return { ...c, gemm: fits(c.gemm, false) ? c.gemm : GPU_TILES.gemm, gemmInt: fits(c.gemmInt, true) ? c.gemmInt : GPU_TILES.gemmInt };
}

/** GEMV: thread rows per workgroup × threads per row (split-K lanes); each thread row covers rowsPerThread rows of W. */
export interface GemvTile {
  readonly rows: number;
  readonly lanes: number;
  /** Rows of W per thread (a register tile: each block of X is decoded once for all of them). */
  readonly rowsPerThread: number;
}

/** True for software adapters that run shaders on the CPU (SwiftShader, fallback adapters). */
export function isCpuAdapter(info: GPUAdapterInfo | undefined): boolean {
  if (!info) return false;
  return info.architecture === 'swiftshader' || /swiftshader|llvmpipe|lavapipe/i.test(`${info.vendor} ${info.description ?? ''}`) || (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
}

/** Options of engine.matmul(): kernel choice, paths and tiles (defaults pick the fastest correct one). */
export interface MatmulOptions {
  /** 'auto' (default): GEMV for M ≤ 4, tiled GEMM otherwise; 'naive': one thread per output (the floor). */
  readonly kernel?: 'auto' | 'gemm' | 'gemv' | 'naive';
  /** Integer path when both formats offer integer blocks (default: whenever possible); false forces decode-to-f32. */
  readonly integer?: boolean;
  /** GEMV: reduce with subgroupAdd (default: when the device has `subgroups`); false forces workgroup memory. */
  readonly subgroups?: boolean;
  /** Integer path: dot4I8Packed (default: when the WGSL feature exists); false forces the emulation. */
  readonly dp4a?: boolean;
  /** GEMM tile override (tests and tuning). */
  readonly tile?: Partial<GemmTile>;
  /** GEMV tile override: rows of W per workgroup, threads per row (split-K lanes). */
  readonly gemvTile?: Partial<GemvTile>;
  /** Quantize an f32 X on the GPU in this format first (activations; e.g. 'int8-g32'). */
  readonly activations?: QuantFormat | string;
}

/** What planMatmul chose. */
export interface MatmulPlan {
  readonly kernel: 'gemm' | 'gemv' | 'naive';
  readonly integer: boolean;
  readonly request: ComposeRequest;
  readonly entry: string;
  readonly tileM: number;
  readonly tileN: number;
  readonly subgroups?: boolean;
  readonly dp4a?: boolean;
  /** GEMV on W's affine blocks (scale and offset folded into the dot product; INT weights). */
  readonly affine?: boolean;
}

const F32_SPEC: OperandSpec = { wgsl: { snippet: 'formats/f32.wgsl', constants: {} }, access: 'read' };
/** f32 rows of a multiple of 4 entries: windows then start on 16 bytes too, so the operand is read as vec4. */
const F32_VEC4_SPEC: OperandSpec = { wgsl: { snippet: 'formats/f32_vec4.wgsl', constants: {} }, access: 'read' };

/** Where a coded format's rows live: K logical entries stored as Kp, rotated in chunks of h (h = 1: padding only). */
interface DomainMap {
  readonly K: number;
  readonly Kp: number;
  readonly h: number;
  readonly norm: number;
  readonly seed: number | null;
  readonly signBits: Uint32Array;
}

function domainOf(format: QuantFormat, K: number): DomainMap | null {
  if (!format.coding) return null;
  const r: HadamardRotation | null = format.coding.rotation(K);
  if (r) return { K, Kp: r.Kp, h: r.h, norm: r.norm, seed: r.seed, signBits: r.signBits };
  const Kp = format.coding.paddedK(K);
  return { K, Kp, h: 1, norm: 1, seed: null, signBits: new Uint32Array(Math.ceil(Kp / 32)) };
}

function sameDomain(a: DomainMap, b: DomainMap): boolean {
  return a.Kp === b.Kp && a.h === b.h && a.seed === b.seed;
}

/** Entries per workgroup of shaders/hadamard.wgsl (its SEGMENT). */
const ROTATE_SEGMENT = 4096;

/**
 * The engine: owns a device, a pipeline cache and a buffer pool; quantizes, dequantizes and multiplies.
 * All operations are async: they validate inputs, record the dispatches (split to the device limits),
 * submit once, and surface GPU errors and device loss as typed errors.
 */
export class Engine {
  readonly device: GPUDevice;
  readonly features: DeviceFeatures;
  readonly limits: PlannerLimits;
  readonly adapterInfo?: GPUAdapterInfo;
  readonly pipelines: PipelineCache;
  /** Default matmul tiles for this adapter class (GPU_TILES or CPU_ADAPTER_TILES). */
  readonly tiles: MatmulTiles;
  private readonly pool: BufferPool;
  private readonly poison: boolean;
  private lostInfo: GPUDeviceLostInfo | null = null;
  private destroyed = false;

  constructor(device: GPUDevice, options: EngineOptions = {}, adapterInfo?: GPUAdapterInfo, gpu?: GPU) {
    this.device = device;
    this.adapterInfo = adapterInfo;
    this.features = describeFeatures(device, gpu);
    const dl = device.limits;
    const ol = options.limits ?? {};
    this.limits = {
      maxStorageBufferBindingSize: Math.min(dl.maxStorageBufferBindingSize, ol.maxStorageBufferBindingSize ?? Infinity),
      maxComputeWorkgroupsPerDimension: Math.min(dl.maxComputeWorkgroupsPerDimension, ol.maxComputeWorkgroupsPerDimension ?? Infinity),
      minStorageBufferOffsetAlignment: dl.minStorageBufferOffsetAlignment,
      maxBufferSize: dl.maxBufferSize,
    };
    this.pipelines = new PipelineCache(device);
    this.tiles = defaultTiles(isCpuAdapter(adapterInfo ?? (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo), dl);
    this.pool = new BufferPool(device);
    this.poison = options.poisonOutputs ?? false;
    void device.lost.then((info) => {
      this.lostInfo = info;
    });
  }

  /** True once the device was lost or the engine destroyed. */
  get isLost(): boolean {
    return this.lostInfo !== null || this.destroyed;
  }

  private assertAlive(): void {
    if (this.lostInfo) throw new DeviceLostError(this.lostInfo.reason, this.lostInfo.message || 'no message');
    if (this.destroyed) throw new QuantEngineError('DESTROYED', 'this engine was destroyed; create a new one with createEngine()');
  }

  /**
   * The loss info when the device is lost or about to be reported lost: a failure in flight (a rejected
   * mapAsync) can arrive a moment before `device.lost` resolves, so wait briefly for it.
   */
  private async lostNow(): Promise<GPUDeviceLostInfo | null> {
    if (this.lostInfo) return this.lostInfo;
    const info = await Promise.race([this.device.lost, new Promise<null>((r) => setTimeout(() => r(null), 250))]);
    if (info) this.lostInfo = info;
    return info;
  }

  /** Runs `fn` inside error scopes; GPU validation/OOM errors and device loss become typed errors. */
  private async guarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.assertAlive();
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    let result: T;
    try {
      result = await fn();
    } catch (e) {
      const lost = e instanceof QuantEngineError ? this.lostInfo : await this.lostNow();
      if (lost) throw new DeviceLostError(lost.reason, lost.message || String(e));
      throw e;
    } finally {
      const [validation, oom] = await Promise.all([this.device.popErrorScope(), this.device.popErrorScope()]).catch(() => [null, null]);
      if (this.lostInfo) throw new DeviceLostError(this.lostInfo.reason, this.lostInfo.message || 'lost during ' + what);
      const err = validation ?? oom;
      if (err) throw new GpuExecutionError(`${what}: ${err.message}`);
    }
    return result;
  }

  /** @internal returns a buffer to the pool. */
  release(buffer: GPUBuffer): void {
    if (!this.destroyed) this.pool.release(buffer);
  }

  private allocate(bytes: number, what: string, poison: boolean): GPUBuffer {
    checkBufferSize(bytes, this.limits, what);
    const buf = this.pool.acquire(bytes, what);
    if (poison && this.poison) writeBuffer(this.device, buf, new Uint32Array(buf.size / 4).fill(POISON_BITS));
    return buf;
  }

  /** Copies a validated CPU matrix to the GPU. NaN/Inf → NonFiniteError naming the first bad entry. */
  upload(m: Matrix, what = 'matrix'): GpuMatrix {
    this.assertAlive();
    validateMatrix(m, what);
    const buf = this.allocate(m.data.byteLength, what, false);
    writeBuffer(this.device, buf, m.data);
    return new GpuMatrix(this, m.rows, m.cols, buf);
  }

  /** Copies a CPU-quantized matrix (e.g. from format.encode) to the GPU. */
  uploadQuantized(q: QuantizedMatrix): GpuQuantizedMatrix {
    this.assertAlive();
    if (typeof q?.format?.layout !== 'function') throw new ShapeError('uploadQuantized: expected a QuantizedMatrix with its format');
    checkQuantized(q, q.format, 'uploadQuantized');
    const bufs = (['codes', 'scales', 'aux'] as const).map((s) => {
      const data = q[s];
      const buf = this.allocate(storageSize(data.byteLength), `${q.format.id} ${s}`, false);
      if (data.length) writeBuffer(this.device, buf, data);
      return buf;
    });
    return new GpuQuantizedMatrix(this, q.format, q.rows, q.cols, q.layout, bufs[0], bufs[1], bufs[2]);
  }

  async read(m: GpuMatrix): Promise<Float32Array> {
    return this.guarded('read', async () => new Float32Array(await readBuffer(this.device, m.buffer, m.rows * m.cols * 4)));
  }

  async readQuantized(q: GpuQuantizedMatrix): Promise<QuantizedMatrix> {
    return this.guarded('readQuantized', async () => {
      const get = async (b: GPUBuffer, words: number) => new Uint32Array(words ? await readBuffer(this.device, b, words * 4) : new ArrayBuffer(0));
      const w = q.layout.wordsPerRow;
      const [codes, scales, aux] = await Promise.all([get(q.codes, q.rows * w.codes), get(q.scales, q.rows * w.scales), get(q.aux, q.rows * w.aux)]);
      return { format: q.format, rows: q.rows, cols: q.cols, layout: q.layout, codes, scales, aux };
    });
  }

  private submit(record: (pass: GPUComputePassEncoder, transient: GPUBuffer[]) => void): void {
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    const transient: GPUBuffer[] = [];
    record(pass, transient);
    pass.end();
    this.device.queue.submit([enc.finish()]);
    for (const b of transient) b.destroy();
  }

  /** Storage windows and meta uniform of rows [r0, r1) of an operand, under the template's prefix. */
  private operandBindings(prefix: string, op: GpuOperand, r0: number, r1: number) {
    const storage: Record<string, Window> = {};
    const uniforms: Record<string, Record<string, number>> = {};
    if (op instanceof GpuMatrix) {
      const w = windowOf(op.buffer, r0 * op.cols, (r1 - r0) * op.cols, this.limits);
      storage[`${prefix}_data`] = w;
      uniforms[`${prefix}_meta`] = { k: op.cols, stride: op.cols, base: w.base };
    } else {
      const l = op.layout;
      const win = (b: GPUBuffer, wpr: number) => (wpr ? windowOf(b, r0 * wpr, (r1 - r0) * wpr, this.limits) : windowOf(b, 0, 1, this.limits));
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
      };
    }
    return { storage, uniforms };
  }

  private wordsPerRow(op: GpuOperand): number {
    if (op instanceof GpuMatrix) return op.cols;
    const w = op.layout.wordsPerRow;
    return Math.max(w.codes, w.scales, w.aux);
  }

  private spec(op: GpuOperand): OperandSpec {
    if (op instanceof GpuMatrix) return op.cols % 4 === 0 && this.limits.minStorageBufferOffsetAlignment % 16 === 0 ? F32_VEC4_SPEC : F32_SPEC;
    return { wgsl: op.format.wgsl, access: 'read' };
  }

  /**
   * Moves rows into a coded format's domain (forward: rows×K → rows×Kp, rotated) or back (inverse).
   * shaders/hadamard.wgsl; bit-identical to transforms/hadamard.ts.
   */
  private async transformRows(src: GpuMatrix, d: DomainMap, inverse: boolean): Promise<GpuMatrix> {
    const outCols = inverse ? d.K : d.Kp;
    if (src.cols !== (inverse ? d.Kp : d.K)) throw new ShapeError(`rotation expects ${inverse ? d.Kp : d.K} columns, got ${src.cols}`);
    const out = new GpuMatrix(this, src.rows, outCols, this.allocate(src.rows * outCols * 4, inverse ? 'unrotated' : 'rotated', true));
    const signs = this.allocate(storageSize(d.signBits.byteLength), 'rotation signs', false);
    writeBuffer(this.device, signs, d.signBits);
    const kernel = await this.pipelines.kernel({ template: 'hadamard.wgsl', operands: {} }, 'rotate');
    const seg = Math.max(d.h, Math.min(ROTATE_SEGMENT, d.Kp));
    const segments = Math.ceil(d.Kp / seg);
    const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
    const rowStep = Math.min(maxDim, rowsPerWindow(src.cols, this.limits, 'rotation input'), rowsPerWindow(outCols, this.limits, 'rotation output'));
    const signWin = windowOf(signs, 0, d.signBits.length, this.limits);
    this.submit((pass, transient) => {
      for (const [r0, r1] of ranges(src.rows, rowStep)) {
        const inWin = windowOf(src.buffer, r0 * src.cols, (r1 - r0) * src.cols, this.limits);
        const outWin = windowOf(out.buffer, r0 * outCols, (r1 - r0) * outCols, this.limits);
        for (const [s0, s1] of ranges(segments, maxDim)) {
          encodeDispatch(
            this.device, pass, kernel,
            { src: inWin, dst: outWin, signs: signWin },
            { params: { rows: r1 - r0, k: d.K, kp: d.Kp, h: d.h, norm: d.norm, inverse: inverse ? 1 : 0, src_base: inWin.base, src_stride: src.cols, dst_base: outWin.base, dst_stride: outCols, segment0: s0 } },
            [s1 - s0, r1 - r0, 1],
            transient,
          );
        }
      }
    });
    this.release(signs);
    return out;
  }

  /** Rotates (and pads) an f32 matrix the way `format` codes its rows; a plain copy-free pass-through otherwise. */
  async toCodingDomain(m: GpuMatrix, format: QuantFormat | string): Promise<GpuMatrix> {
    const d = domainOf(resolveFormat(format), m.cols);
    if (!d) return m;
    return this.guarded('rotate', () => this.transformRows(m, d, false));
  }

  /**
   * Quantizes a matrix on the GPU. A CPU matrix is validated (shape, NaN/Inf, representable scales)
   * and uploaded first; a GpuMatrix is used as is.
   */
  async quantize(input: Matrix | GpuMatrix, format: QuantFormat | string): Promise<GpuQuantizedMatrix> {
    const fmt = resolveFormat(format);
    this.assertAlive();
    let src: GpuMatrix;
    let owned = false;
    if (input instanceof GpuMatrix) src = input;
    else {
      validateMatrix(input, 'quantize input');
      fmt.checkRepresentable(input, 'quantize input');
      src = this.upload(input, 'quantize input');
      owned = true;
    }
    const K = src.cols;
    const domain = domainOf(fmt, K);
    let coded: GpuMatrix | null = null;
    try {
      return await this.guarded(`quantize ${fmt.id}`, async () => {
        if (domain) {
          coded = await this.transformRows(src, domain, false);
          if (owned) src.destroy();
          owned = false;
          src = coded;
        }
        const layout = fmt.layout(K);
        const w = layout.wordsPerRow;
        const alloc = (words: number, s: string) => this.allocate(words * 4, `${fmt.id} ${s}`, true);
        const q = new GpuQuantizedMatrix(this, fmt, src.rows, K, layout, alloc(src.rows * w.codes, 'codes'), alloc(src.rows * w.scales, 'scales'), alloc(src.rows * w.aux, 'aux'));
        const req = { template: 'quantize.wgsl', operands: { q: { wgsl: fmt.wgsl, access: 'read_write' as const } } };
        const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
        const rowStep = Math.min(maxDim, rowsPerWindow(src.cols, this.limits, 'quantize input'), rowsPerWindow(Math.max(w.codes, w.scales, w.aux), this.limits, `${fmt.id} row`));
        const order = fmt.wgsl.encodeOrder ?? ['scales', 'aux', 'codes'];
        const entries = { scales: 'quantize_scales', aux: 'quantize_aux', codes: 'quantize_codes' } as const;
        const passes: { kernel: Kernel; words: number }[] = [];
        const tensorMax = this.allocate(4, 'tensor max', false);
        writeBuffer(this.device, tensorMax, new Uint32Array(1));
        if (fmt.wgsl.needsTensorMax) passes.push({ kernel: await this.pipelines.kernel(req, 'quantize_tensor_max'), words: Math.ceil(src.cols / TENSOR_MAX_STRIP) });
        for (const stream of order) {
          if (w[stream] > 0) passes.push({ kernel: await this.pipelines.kernel(req, entries[stream]), words: w[stream] });
        }
        const chunks = [...ranges(src.rows, rowStep)];
        const tmWin = windowOf(tensorMax, 0, 1, this.limits);
        this.submit((pass, transient) => {
          // Pass by pass over all row chunks: the tensor max must cover every row before any row uses it.
          for (const p of passes) {
            for (const [r0, r1] of chunks) {
              const input = this.operandBindings('src', src, r0, r1);
              const out = this.operandBindings('q', q, r0, r1);
              const srcWin = input.storage.src_data;
              for (const [w0, w1] of ranges(p.words, 64 * maxDim)) {
                encodeDispatch(
                  this.device, pass, p.kernel,
                  { src: srcWin, tensor_max: tmWin, ...out.storage },
                  { params: { rows: r1 - r0, src_base: srcWin.base, src_stride: src.cols, word0: w0 }, ...out.uniforms },
                  [Math.ceil((w1 - w0) / 64), r1 - r0, 1],
                  transient,
                );
              }
            }
          }
        });
        this.release(tensorMax);
        return q;
      });
    } finally {
      if (owned) src.destroy();
      if (coded) (coded as GpuMatrix).destroy();
    }
  }

  /**
   * Quantizes `m` on the GPU, decodes it there and reads the values back (the GPU twin of
   * `format.decode(format.encode(m)).data`); the GPU buffers are freed.
   */
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

  /** Decodes a quantized matrix into a dense f32 GpuMatrix (exactly the CPU `format.decode`). */
  async dequantize(q: GpuQuantizedMatrix): Promise<GpuMatrix> {
    return this.guarded(`dequantize ${q.format.id}`, async () => {
      const domain = domainOf(q.format, q.cols);
      const cols = domain ? domain.Kp : q.cols;
      const out = new GpuMatrix(this, q.rows, cols, this.allocate(q.rows * cols * 4, 'dequantized', true));
      const req = { template: 'dequantize.wgsl', operands: { q: { wgsl: q.format.wgsl, access: 'read' as const } } };
      const kernel = await this.pipelines.kernel(req, 'dequantize');
      const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
      const rowStep = Math.min(maxDim, rowsPerWindow(cols, this.limits, 'dequantized row'), rowsPerWindow(this.wordsPerRow(q), this.limits, `${q.format.id} row`));
      this.submit((pass, transient) => {
        for (const [r0, r1] of ranges(q.rows, rowStep)) {
          const src = this.operandBindings('q', q, r0, r1);
          const outWin = windowOf(out.buffer, r0 * cols, (r1 - r0) * cols, this.limits);
          // 8 entries per thread, 64 threads per workgroup: 512 entries per workgroup
          for (const [k0, k1] of ranges(cols, 512 * maxDim)) {
            encodeDispatch(
              this.device, pass, kernel,
              { out: outWin, ...src.storage },
              { params: { rows: r1 - r0, k: Math.min(cols, k1), k0, out_base: outWin.base, out_stride: cols }, ...src.uniforms },
              [Math.ceil((k1 - k0) / 512), r1 - r0, 1],
              transient,
            );
          }
        }
      });
      if (!domain) return out;
      try {
        return await this.transformRows(out, domain, true);
      } finally {
        out.destroy();
      }
    });
  }

  /**
   * Y = X·Wᵀ with X (M×K) and W (N×K) each f32 or quantized in any format; returns Y (M×N, f32).
   * CPU matrices are validated and uploaded. M ≤ 4 runs the GEMV template, larger M the tiled GEMM;
   * two operands with integer blocks (symmetric INT, 8-dim lattices) multiply on the integer path.
   * `options.activations` quantizes an f32 X on the GPU first. Work past the device limits is split.
   */
  async matmul(x: GpuOperand | Matrix, w: GpuOperand | Matrix, options: MatmulOptions = {}): Promise<GpuMatrix> {
    this.assertAlive();
    // Buffers this call creates (uploads, rotated copies) and frees at the end.
    const temps: { destroy(): void }[] = [];
    const own = <T extends { destroy(): void }>(m: T) => (temps.push(m), m);
    let xs: GpuOperand = x instanceof GpuMatrix || x instanceof GpuQuantizedMatrix ? x : own(this.upload(x, 'X'));
    let ws: GpuOperand = w instanceof GpuMatrix || w instanceof GpuQuantizedMatrix ? w : own(this.upload(w, 'W'));
    try {
      if (options.activations !== undefined) {
        if (!(xs instanceof GpuMatrix)) throw new ShapeError(`options.activations quantizes an f32 X; X is already ${xs.format.id}`);
        xs = own(await this.quantize(xs, options.activations));
      }
      const shape = matmulShape(xs, ws);
      const { M, N } = shape;
      let K = shape.K;
      return await this.guarded('matmul', async () => {
        // Coded formats (rotated / padded rows): both operands must be in the same domain; an f32
        // operand is moved there, a quantized operand of another domain is an error.
        const dx = xs instanceof GpuQuantizedMatrix ? domainOf(xs.format, K) : null;
        const dw = ws instanceof GpuQuantizedMatrix ? domainOf(ws.format, K) : null;
        if (dx && dw && !sameDomain(dx, dw)) throw new ShapeError(`X (${(xs as GpuQuantizedMatrix).format.id}) and W (${(ws as GpuQuantizedMatrix).format.id}) are coded in different rotations/paddings; quantize both with the same rotation seed`);
        const domain = dx ?? dw;
        if (dx && dw && dx.Kp > K) {
          // Both coded with padding: decoded rows carry quantization noise in the padded coordinates
          // too, which the K-entry matrices do not have. Decode X, drop the padding, rotate it back as
          // f32, so Y is exactly the product of the two decoded K-entry matrices.
          xs = own(await this.dequantize(xs as GpuQuantizedMatrix));
        }
        if (domain) {
          for (const side of ['X', 'W'] as const) {
            const op = side === 'X' ? xs : ws;
            if (op instanceof GpuQuantizedMatrix && !domainOf(op.format, K)) {
              throw new ShapeError(`${side} (${op.format.id}) is not coded in the rotated domain of the other operand; quantize it with a nested-lattice format too, or pass it as f32`);
            }
            if (op instanceof GpuMatrix) {
              const t = own(await this.transformRows(op, domain, false));
              if (side === 'X') xs = t;
              else ws = t;
            }
          }
          K = domain.Kp;
        }
        const plan = this.planMatmul(xs, ws, M, options);
        const kernel = await this.pipelines.kernel(plan.request, plan.entry);
        const y = new GpuMatrix(this, M, N, this.allocate(M * N * 4, 'Y', true));
        const l = this.limits;
        const usableWords = Math.floor((l.maxStorageBufferBindingSize - l.minStorageBufferOffsetAlignment) / 4);
        const nStep = Math.min(N, rowsPerWindow(this.wordsPerRow(ws), l, 'W row'), plan.tileN * l.maxComputeWorkgroupsPerDimension, usableWords);
        const yRows = Math.floor((usableWords - nStep) / N) + 1; // rows of Y one window can span
        const mStep = Math.min(M, rowsPerWindow(this.wordsPerRow(xs), l, 'X row'), plan.tileM * l.maxComputeWorkgroupsPerDimension, yRows);
        this.submit((pass, transient) => {
          for (const [m0, m1] of ranges(M, mStep)) {
            const xb = this.operandBindings('x', xs, m0, m1);
            for (const [n0, n1] of ranges(N, nStep)) {
              const wb = this.operandBindings('w', ws, n0, n1);
              const yWin = windowOf(y.buffer, m0 * N + n0, (m1 - m0 - 1) * N + (n1 - n0), l);
              encodeDispatch(
                this.device, pass, kernel,
                { y: yWin, ...xb.storage, ...wb.storage },
                { params: { m: m1 - m0, n: n1 - n0, k: K, y_base: yWin.base, y_stride: N }, ...xb.uniforms, ...wb.uniforms },
                [Math.ceil((n1 - n0) / plan.tileN), Math.ceil((m1 - m0) / plan.tileM), 1],
                transient,
              );
            }
          }
        });
        return y;
      });
    } finally {
      for (const t of temps) t.destroy();
    }
  }

  /** Which template, specialisation and tile a product of these operands runs with. */
  planMatmul(xs: GpuOperand, ws: GpuOperand, M: number, options: MatmulOptions = {}): MatmulPlan {
    const kind = options.kernel ?? 'auto';
    // An f32 X with options.activations is planned as the quantized X matmul() will make of it.
    const xFormat = xs instanceof GpuQuantizedMatrix ? xs.format : options.activations !== undefined ? resolveFormat(options.activations) : null;
    const wFormat = ws instanceof GpuQuantizedMatrix ? ws.format : null;
    // Two padded coded operands: matmul() decodes X to f32 first (see there), so no integer path.
    const xDomain = xs instanceof GpuQuantizedMatrix ? domainOf(xs.format, xs.cols) : null;
    const wDomain = ws instanceof GpuQuantizedMatrix ? domainOf(ws.format, ws.cols) : null;
    const paddedPair = !!xDomain && !!wDomain && xDomain.Kp > xDomain.K;
    const integerOk = !!xFormat?.wgsl.intBlocks && !!wFormat?.wgsl.intBlocks && !paddedPair;
    if (options.integer === true && !integerOk) throw new ShapeError('options.integer needs two quantized operands whose formats offer integer blocks (symmetric INT with groups of 8k, 8-dim lattices with q ≤ 63)');
    const integer = kind !== 'naive' && (options.integer ?? integerOk) && integerOk;
    const operands = { x: xFormat ? { wgsl: xFormat.wgsl, access: 'read' as const } : this.spec(xs), w: this.spec(ws) };
    const dp4a = options.dp4a ?? this.features.dp4a;
    if (dp4a && !this.features.dp4a) throw new ShapeError('options.dp4a: this device has no WGSL packed_4x8_integer_dot_product');
    const dot = dp4a ? 'common/dot4_native.wgsl' : 'common/dot4_emulated.wgsl';
    if (kind === 'naive') {
      return { kernel: 'naive', integer: false, request: { template: 'matmul/naive.wgsl', operands }, entry: 'naive', tileM: 8, tileN: 8 };
    }
    if (kind === 'gemv' || (kind === 'auto' && M <= GEMV_MAX_M)) {
      if (M > GEMV_MAX_M) throw new ShapeError(`the GEMV kernel takes M ≤ ${GEMV_MAX_M}; got M = ${M}`);
      const sg = options.subgroups ?? this.features.subgroups;
      if (sg && !this.features.subgroups) throw new ShapeError("options.subgroups: this device has no 'subgroups' feature");
      const affine = !integer && !!wFormat?.wgsl.affineBlocks;
      const decodeBound = !integer && !affine && !!wFormat;
      const t = { ...(decodeBound ? this.tiles.gemvDecode : this.tiles.gemv), ...options.gemvTile };
      if (!(t.rows >= 1 && t.lanes >= 1 && t.rows * t.lanes <= 256 && t.rowsPerThread >= 1 && t.rowsPerThread <= 16 && [t.rows, t.lanes, t.rowsPerThread].every(Number.isInteger))) throw new ShapeError(`options.gemvTile must be positive integers with rows·lanes ≤ 256 and rowsPerThread ≤ 16, got ${JSON.stringify(t)}`);
      return {
        kernel: 'gemv',
        integer,
        affine,
        request: {
          template: sg ? 'matmul/gemv_sg.wgsl' : 'matmul/gemv.wgsl',
          operands,
          constants: { ROWS: t.rows, LANES: t.lanes, GEMV_THREADS: t.rows * t.lanes, RPT: t.rowsPerThread, GEMV_M: M },
          enables: sg ? ['subgroups'] : [],
          includes: integer ? [dot, 'matmul/gemv_int.wgsl'] : [affine ? 'matmul/gemv_affine.wgsl' : 'matmul/gemv_float.wgsl'],
        },
        entry: 'gemv',
        tileM: GEMV_MAX_M,
        tileN: t.rows * t.rowsPerThread,
        subgroups: sg,
        dp4a: integer ? dp4a : undefined,
      };
    }
    const t = { ...(integer ? this.tiles.gemmInt : this.tiles.gemm), ...options.tile };
    for (const [k, v] of Object.entries(t)) if (!(Number.isInteger(v) && v >= 1)) throw new ShapeError(`options.tile.${k} must be a positive integer, got ${v}`);
    if (t.tileK % 8 !== 0) throw new ShapeError(`options.tile.tileK must be a multiple of 8, got ${t.tileK}`);
    const staged = gemmWorkgroupBytes(t, integer);
    const limit = this.device.limits.maxComputeWorkgroupStorageSize;
    if (staged > limit) throw new ShapeError(`GEMM tile ${JSON.stringify(t)} stages ${staged} bytes in workgroup memory; this device allows ${limit} (pass a smaller options.tile)`);
    if (t.wgX * t.wgY > this.device.limits.maxComputeInvocationsPerWorkgroup) throw new ShapeError(`GEMM tile ${JSON.stringify(t)} has ${t.wgX * t.wgY} threads; this device allows ${this.device.limits.maxComputeInvocationsPerWorkgroup} per workgroup`);
    return {
      kernel: 'gemm',
      integer,
      request: {
        template: integer ? 'matmul/gemm_int.wgsl' : 'matmul/gemm.wgsl',
        operands,
        constants: { WG_X: t.wgX, WG_Y: t.wgY, RQ_M: t.rqM, RQ_N: t.rqN, TILE_K: t.tileK },
        includes: integer ? [dot] : [],
      },
      entry: 'gemm',
      tileM: 4 * t.rqM * t.wgY,
      tileN: 4 * t.rqN * t.wgX,
      dp4a: integer ? dp4a : undefined,
    };
  }

  /** GPU memory held by this engine's buffers: live (held by matrices you have not destroyed) and pooled for reuse. */
  memory(): MemoryStats {
    return this.pool.stats();
  }

  /** Waits until all submitted GPU work is done (for timing). */
  async sync(): Promise<void> {
    await this.guarded('sync', () => this.device.queue.onSubmittedWorkDone());
  }

  /** Frees pooled buffers. Destroys the device only if the engine created it. */
  destroy(): void {
    if (this.destroyed) return;
    this.pool.destroy();
    this.destroyed = true;
    if (this.ownsDevice) this.device.destroy();
  }

  /** @internal */
  ownsDevice = false;
}

/**
 * Creates an engine on `options.device`, or on a device from `navigator.gpu`. Throws
 * WebGPUUnavailableError (with what to do) when WebGPU is missing.
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  if (options.device) return new Engine(options.device, options, undefined, (globalThis as { navigator?: Navigator }).navigator?.gpu);
  const gpu = options.gpu ?? (globalThis as { navigator?: Navigator }).navigator?.gpu;
  const { device, adapterInfo } = await requestDevice(gpu, options.adapterOptions);
  const engine = new Engine(device, options, adapterInfo, gpu);
  engine.ownsDevice = true;
  return engine;
}
