/**
 * The benchmark row schema (`npm run bench -- --json` prints an array of these). Later issues add rows
 * and may add fields; the ones below are always present. README documents them.
 */
import { FORMAT_FAMILIES } from '../src/formats/traits.js';
export interface BenchRow {
  /** Format id, e.g. `int4-g32`. */
  format: string;
  /** The format's parameters. */
  params: Record<string, unknown>;
  /** Stored bits per entry, everything counted (codes, scales, zero points, padding), at K = `shape.K`. */
  bitsPerEntry: number;
  /** Per-entry MSE of quantizing iid N(0,1) (`samples` entries). */
  mse: number;
  /** The uniform-noise (Bennett) heuristic's MSE for this format (docs/theory.md §3.2), or null if none. */
  predictedMse: number | null;
  /** Rate loss ΔR = bitsPerEntry + ½·log₂(mse): bits above the Gaussian D(R) at the same MSE. */
  deltaR: number;
  /** ‖XWᵀ − X̂Ŵᵀ‖²/(‖X‖²‖W‖²/K), both operands quantized in this format, iid N(0,1). */
  productNmse: number;
  /** Γ(bitsPerEntry): the lower bound on productNmse at this rate (docs/theory.md §2.1). */
  gamma: number;
  /** ½·log₂(productNmse/gamma): bits lost against the bound. */
  gapBits: number;
  /** Median wall time (ms) of the weight-only GPU GEMM (X f32 · Wᵀ with W in this format); null for CPU-only rows. */
  gemmMs: number | null;
  /** Median wall time (ms) of the f32 GEMM of the same shape, measured in the same run; null for CPU-only rows. */
  f32GemmMs: number | null;
  /** gemmMs / f32GemmMs (below 1 is faster than f32); null for CPU-only rows. */
  gemmRatio: number | null;
  /** Entries used for `mse`. */
  samples: number;
  /** GEMM shape used for timing and productNmse. */
  shape: { M: number; K: number; N: number };
  /** Adapter architecture the times were measured on (e.g. `swiftshader`). */
  device: string;
  /**
   * Codebook (sq…) rows only, else null: the scalar matmul objective on `samples` correlated pairs (X, Y)
   * with correlation `pairRho`, both quantized on the GPU: E[D²] and the bias E[D] for D = XY − X̂Ŷ, the
   * exact E[D²] by quadrature, and the K⁻² prediction 2C/K² (C_opt of the optimal density, or C_pd of the
   * Panter–Dite density for Lloyd–Max).
   */
  pairRho: number | null;
  pairMeanSquare: number | null;
  pairBias: number | null;
  pairExact: number | null;
  k2Prediction: number | null;
  /**
   * Nested-lattice rows only, else null: the empirical entropy of the per-block β index in bits per
   * entry (what an entropy coder would spend instead of ⌈log₂k⌉/n), and bitsPerEntry with the index
   * entropy-coded.
   */
  indexEntropyBits: number | null;
  rateEntropyCoded: number | null;
  /** Nested-lattice rows only: productNmse with the MMSE shrinkage α_X·α_W applied (docs/lattice.md §6). */
  productNmseShrunk: number | null;
}

export interface BenchOptions {
  formats?: string[];
  /** Entries for the MSE measurement (default 2^22). */
  samples?: number;
  M?: number;
  K?: number;
  N?: number;
  reps?: number;
  /** Correlation of the pairs for the codebook rows (default 0.9). */
  rho?: number;
  /** Append the CPU low-rate (sketching) rows (default true). */
  lowRate?: boolean;
}

export const DEFAULT_FORMATS: readonly string[] = FORMAT_FAMILIES.flatMap((f) => f.benchIds);
