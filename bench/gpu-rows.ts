/**
 * Row schema of the GPU kernel benchmark (`npm run bench:gpu -- --json`). README documents the fields.
 */
import { FORMAT_FAMILIES } from '../src/formats/traits.js';
export type GpuBenchKernel = 'gemv' | 'gemm' | 'naive' | 'copy' | 'fma';

export interface GpuBenchRow {
  /** W's format id (`f32` for dense), or the peer's name for peer rows, or `copy` / `fma` for the ceilings. */
  format: string;
  /** X's format: `f32`, or the activation format when both operands are quantized. */
  x: string;
  /** Which kernel family ran (peers: the shape class they were measured at). */
  kernel: GpuBenchKernel;
  /** Our planner's path, e.g. `gemm float`, `gemv int dp4a subgroups`; the peer's op for peer rows. */
  path: string;
  M: number;
  K: number;
  N: number;
  /** Median wall ms over `reps` runs (operands resident on the GPU; pipelines warm). */
  ms: number;
  /** 2·M·N·K / time. */
  gflops: number;
  /** Stored weight bytes (codes, scales, zero points: bitsPerEntry·N·K/8) / time. */
  weightGBps: number;
  /** Stored bits per weight entry. */
  bitsPerEntry: number;
  /**
   * max(bytes moved / copy GB/s, flops / FMA GFLOP/s) / ms: 1 = at the better of the two ceilings measured in this run.
   */
  roofline: number;
  /** f32 ms / this ms at the same shape (our own f32 kernel; > 1 is faster). */
  vsF32: number;
  /** Peer name → peer ms / this ms (> 1: we are faster). */
  vsPeers: Record<string, number>;
  /** The faster correct onnxruntime-web build at this shape (`ort-jsep` or `ort-webgpu`), null if neither was. */
  fasterOrt?: string | null;
  /** That build's ms / this ms. */
  vsFasterOrt?: number;
  /** A peer whose output failed the check at this shape: why (the row is not timed). */
  wrong?: string;
  /** Relative Frobenius error of the checked rows of Y against the f64 CPU reference of the decoded operands. */
  relErr: number;
  /** Adapter architecture (e.g. `swiftshader`). */
  device: string;
  /**
   * Quantized W, X f32: the cost of decoding one weight as this path's W side decodes it (the format's
   * values, or its affine codes), measured: a kernel that only decodes and sums every 8-block of W
   * (shaders/bench/decode_cost.wgsl), less the same kernel reading one word per 8-block instead (its
   * floor: loop, load, sum), both timed in the shape's rounds, in units of the FMA ceiling's lane operations
   * ((ms − floor ms) × lane FMAs per ms / weights).
   */
  decodeOps?: number;
}

export interface GpuBenchShape {
  kernel: 'gemv' | 'gemm';
  M: number;
  K: number;
  N: number;
}

export interface GpuBenchOptions {
  /** W formats, weight-only (X f32). */
  formats?: string[];
  /** Both operands quantized: [x format, w format] pairs. */
  pairs?: [string, string][];
  shapes?: GpuBenchShape[];
  reps?: number;
  /** Measure the peers (tfjs-webgpu tf.matMul, both onnxruntime-web WebGPU builds' MatMulNBits); default true. */
  peers?: boolean;
  /**
   * Measure the naive one-thread-per-output kernel (f32 and int4-g32) at shapes of at most NAIVE_MAX_FLOPS; default
   * true.
   */
  naive?: boolean;
  /** Measure each quantized W's decode cost (GpuBenchRow.decodeOps); default true. */
  decodeCost?: boolean;
  /** Override GEMM tiles (tuning). */
  tile?: Record<string, number>;
  /** Override the GEMV tile (tuning). */
  gemvTile?: Record<string, number>;
}

export const DEFAULT_GPU_SHAPES: GpuBenchShape[] = [
  { kernel: 'gemv', M: 1, K: 4096, N: 4096 },
  // small enough for the naive floor (NAIVE_MAX_FLOPS), so "never slower than naive" is measured at M > 4 too
  { kernel: 'gemm', M: 256, K: 1024, N: 1024 },
  { kernel: 'gemm', M: 256, K: 4096, N: 4096 },
  { kernel: 'gemm', M: 512, K: 4096, N: 4096 },
];

export const DEFAULT_GPU_FORMATS = ['f32', ...FORMAT_FAMILIES.flatMap((f) => f.gpuBenchIds)];
export const DEFAULT_GPU_PAIRS: [string, string][] = [
  ['int8-g32', 'int4-g32'],
  ['int8-g32', 'int8-g32'],
  ['e8-q14-k4', 'e8-q14-k4'],
];
