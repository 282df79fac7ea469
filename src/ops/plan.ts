/**
 * The matmul planner: which template (GEMV, tiled GEMM, their integer variants, the naive floor), which
 * snippets and which tile a product runs with — decided from the operands' formats, M, the device's
 * features and the adapter class; the dispatch itself is in matmul.ts. docs/kernels.md explains the
 * templates and why the tiles are what they are.
 */
import { OptionsError } from '../errors.js';
import type { Layout, QuantFormat } from '../formats/format.js';
import { resolveFormat } from '../formats/registry.js';
import type { ComposeRequest } from '../gpu/compose.js';
import type { DeviceFeatures } from '../gpu/device.js';
import { domainOf } from '../gpu/domain.js';
import type { GpuRunner } from '../gpu/runner.js';
import { GpuQuantizedMatrix, type GpuOperand } from '../gpu/tensors.js';
import { formatSpec, operandSpec } from './operand.js';

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
 * GEMV: thread rows per workgroup × threads per row (split-K lanes); each thread row covers rowsPerThread rows of W.
 */
export interface GemvTile {
  readonly rows: number;
  readonly lanes: number;
  /** Rows of W per thread (a register tile: each block of X is decoded once for all of them). */
  readonly rowsPerThread: number;
}

/**
 * Default tiles per adapter class, measured with `npm run bench:gpu -- --tile … / --gemv-tile …`
 * (docs/kernels.md, *Tiles*).
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

/** Default tiles on CPU-backed adapters (SwiftShader, llvmpipe): few threads, big unrolled register tiles. */
export const CPU_ADAPTER_TILES: MatmulTiles = {
  gemm: { wgX: 2, wgY: 16, rqM: 2, rqN: 8, tileK: 32 },
  gemmInt: { wgX: 4, wgY: 8, rqM: 1, rqN: 4, tileK: 32 },
  gemv: { rows: 32, lanes: 1, rowsPerThread: 8 },
  gemvDecode: { rows: 64, lanes: 1, rowsPerThread: 2 },
};

/**
 * Workgroup memory a GEMM tile stages per K step (matmul/gemm.wgsl: vec4 tiles; gemm_int.wgsl: 8 bytes + an f32 factor
 * per block).
 */
export function gemmWorkgroupBytes(t: GemmTile, integer: boolean): number {
  const rows = 4 * (t.rqM * t.wgY + t.rqN * t.wgX);
  return integer ? (t.tileK / 8) * rows * 12 : t.tileK * rows * 4;
}

/**
 * The adapter class's tiles, with GPU_TILES' GEMM tiles where the big CPU-class tiles exceed the device's workgroup
 * limits.
 */
export function defaultTiles(cpu: boolean, limits: GPUSupportedLimits): MatmulTiles {
  if (!cpu) return GPU_TILES;
  const fits = (t: GemmTile, integer: boolean) =>
    gemmWorkgroupBytes(t, integer) <= limits.maxComputeWorkgroupStorageSize &&
    t.wgX * t.wgY <= limits.maxComputeInvocationsPerWorkgroup;
  const c = CPU_ADAPTER_TILES;
  return {
    ...c,
    gemm: fits(c.gemm, false) ? c.gemm : GPU_TILES.gemm,
    gemmInt: fits(c.gemmInt, true) ? c.gemmInt : GPU_TILES.gemmInt,
  };
}

/** True for software adapters that run shaders on the CPU (SwiftShader, fallback adapters). */
export function isCpuAdapter(info: GPUAdapterInfo | undefined): boolean {
  if (!info) return false;
  return (
    info.architecture === 'swiftshader' ||
    /swiftshader|llvmpipe|lavapipe/i.test(`${info.vendor} ${info.description ?? ''}`) ||
    (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true
  );
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

/** What the planner needs to know about the device. */
export interface PlanContext {
  readonly runner: GpuRunner;
  readonly features: DeviceFeatures;
  readonly tiles: MatmulTiles;
}

function checkGemvTile(t: GemvTile): void {
  const ok =
    t.rows >= 1 &&
    t.lanes >= 1 &&
    t.rows * t.lanes <= 256 &&
    t.rowsPerThread >= 1 &&
    t.rowsPerThread <= 16 &&
    [t.rows, t.lanes, t.rowsPerThread].every(Number.isInteger);
  if (!ok)
    throw new OptionsError(
      'options.gemvTile',
      `must be positive integers with rows·lanes ≤ 256 and rowsPerThread ≤ 16, got ${JSON.stringify(t)}`,
    );
}

function checkGemmTile(t: GemmTile, integer: boolean, limits: GPUSupportedLimits): void {
  for (const [k, v] of Object.entries(t))
    if (!(Number.isInteger(v) && v >= 1))
      throw new OptionsError(`options.tile.${k}`, `must be a positive integer, got ${v}`);
  if (t.tileK % 8 !== 0) throw new OptionsError('options.tile.tileK', `must be a multiple of 8, got ${t.tileK}`);
  const staged = gemmWorkgroupBytes(t, integer);
  if (staged > limits.maxComputeWorkgroupStorageSize)
    throw new OptionsError(
      'options.tile',
      `${JSON.stringify(t)} stages ${staged} bytes in workgroup memory; this device allows ` +
        `${limits.maxComputeWorkgroupStorageSize} (pass a smaller tile)`,
    );
  if (t.wgX * t.wgY > limits.maxComputeInvocationsPerWorkgroup)
    throw new OptionsError(
      'options.tile',
      `${JSON.stringify(t)} has ${t.wgX * t.wgY} threads; this device allows ` +
        `${limits.maxComputeInvocationsPerWorkgroup} per workgroup`,
    );
}

/**
 * 8-blocks per step of the affine GEMV body: as many as one scale group holds (up to 4), so the group's
 * scale and offset are read once per step (matmul/gemv_affine.wgsl).
 */
function affineChunks(layout: Layout): number {
  if (layout.groups === 1) return 4;
  for (const c of [4, 2]) if (layout.groupSize % (8 * c) === 0) return c;
  return 1;
}

/** Which template, specialisation and tile a product of these operands runs with (docs/kernels.md). */
export function planMatmul(
  ctx: PlanContext,
  xs: GpuOperand,
  ws: GpuOperand,
  M: number,
  options: MatmulOptions = {},
): MatmulPlan {
  const { features, tiles } = ctx;
  const kind = options.kernel ?? 'auto';
  // An f32 X with options.activations is planned as the quantized X matmul() will make of it.
  const xFormat =
    xs instanceof GpuQuantizedMatrix
      ? xs.format
      : options.activations !== undefined
        ? resolveFormat(options.activations)
        : null;
  const wFormat = ws instanceof GpuQuantizedMatrix ? ws.format : null;
  // Two padded coded operands: matmul() decodes X to f32 first (see there), so no integer path.
  const xDomain = xs instanceof GpuQuantizedMatrix ? domainOf(xs.format, xs.cols) : null;
  const wDomain = ws instanceof GpuQuantizedMatrix ? domainOf(ws.format, ws.cols) : null;
  const paddedPair = !!xDomain && !!wDomain && xDomain.Kp > xDomain.K;
  const integerOk = !!xFormat?.wgsl.intBlocks && !!wFormat?.wgsl.intBlocks && !paddedPair;
  if (options.integer === true && !integerOk)
    throw new OptionsError(
      'options.integer',
      'needs two quantized operands whose formats offer integer blocks (symmetric INT with groups of 8k, 8-dim ' +
        'lattices with q ≤ 63)',
    );
  const integer = kind !== 'naive' && (options.integer ?? integerOk) && integerOk;
  const operands = {
    x: xFormat ? formatSpec(xFormat.wgsl) : operandSpec(xs, ctx.runner),
    w: operandSpec(ws, ctx.runner),
  };
  const dp4a = options.dp4a ?? features.dp4a;
  if (dp4a && !features.dp4a)
    throw new OptionsError('options.dp4a', 'this device has no WGSL packed_4x8_integer_dot_product');
  const dot = dp4a ? 'common/dot4_native.wgsl' : 'common/dot4_emulated.wgsl';
  if (kind === 'naive')
    return {
      kernel: 'naive',
      integer: false,
      request: { template: 'matmul/naive.wgsl', operands },
      entry: 'naive',
      tileM: 8,
      tileN: 8,
    };
  if (kind === 'gemv' || (kind === 'auto' && M <= GEMV_MAX_M)) {
    if (M > GEMV_MAX_M)
      throw new OptionsError('options.kernel', `the GEMV kernel takes M ≤ ${GEMV_MAX_M}; got M = ${M}`);
    const sg = options.subgroups ?? features.subgroups;
    if (sg && !features.subgroups)
      throw new OptionsError('options.subgroups', "this device has no 'subgroups' feature");
    const affine = !integer && !!wFormat?.wgsl.affineBlocks;
    const decodeBound = !integer && !affine && !!wFormat;
    const t = { ...(decodeBound ? tiles.gemvDecode : tiles.gemv), ...options.gemvTile };
    checkGemvTile(t);
    return {
      kernel: 'gemv',
      integer,
      affine,
      request: {
        template: sg ? 'matmul/gemv_sg.wgsl' : 'matmul/gemv.wgsl',
        operands,
        constants: {
          ROWS: t.rows,
          LANES: t.lanes,
          GEMV_THREADS: t.rows * t.lanes,
          RPT: t.rowsPerThread,
          GEMV_M: M,
          GEMV_CHUNKS: affine && ws instanceof GpuQuantizedMatrix ? affineChunks(ws.layout) : 1,
        },
        enables: sg ? ['subgroups'] : [],
        includes: integer
          ? [dot, 'matmul/gemv_int.wgsl']
          : [affine ? 'matmul/gemv_affine.wgsl' : 'matmul/gemv_float.wgsl'],
      },
      entry: 'gemv',
      tileM: GEMV_MAX_M,
      tileN: t.rows * t.rowsPerThread,
      subgroups: sg,
      dp4a: integer ? dp4a : undefined,
    };
  }
  const t = { ...(integer ? tiles.gemmInt : tiles.gemm), ...options.tile };
  checkGemmTile(t, integer, ctx.runner.device.limits);
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
