/** One demo run: GPU quantize + GPU matmul, checked against the CPU reference in the page. */
import type { Engine } from '../src/engine.js';
import type { GpuOperand } from '../src/gpu/tensors.js';
import { parseFormat } from '../src/formats/registry.js';
import { NestedLatticeFormat } from '../src/lattice/format.js';
import { universalPartnerId } from '../src/lattice/registry.js';
import { centredProduct } from '../src/lattice/universal.js';
import { matmulF64 } from '../src/reference/matmul.js';
import { mse, productNmse, relativeFrobeniusError, sumSquares } from '../src/reference/metrics.js';
import { Rng } from '../src/reference/random.js';
import { gammaBound, gaussianDistortionRate } from '../src/theory/gaussian.js';
import { checkAborted, drawOperands, type Distribution } from './inputs.js';

export interface DemoRequest {
  format: string;
  operands: 'w' | 'both';
  M: number;
  K: number;
  N: number;
  seed: number;
  /** Distribution of X and W (default Gaussian). */
  dist?: Distribution;
}

export interface DemoResult {
  format: string;
  /** The shape multiplied (a real layer fixes K and caps N). */
  M: number;
  K: number;
  N: number;
  bitsPerEntry: number;
  weightMse: number;
  productNmse: number;
  /** The lower bound on productNmse at this rate: Γ(R) when both operands are coded, 2^{−2R} for W only. */
  gamma: number;
  gapBits: number;
  /** Codes from the GPU equal the CPU encoder's, word for word. */
  codesMatch: boolean;
  /** GPU Y against f64 of the CPU-decoded operands. */
  gpuVsCpuRelErr: number;
  pass: boolean;
  gemmMs: number;
  gflops: number;
  /** Stored weight bytes read per second by the GEMM. */
  weightGBps: number;
}

export const GPU_VS_CPU_TOLERANCE = 1e-5;

/** Steps of a run, for progress display. */
export const DEMO_STEPS = [
  'quantize W on the GPU',
  'check codes against the CPU',
  'quantize X',
  'multiply on the GPU',
  'check Y against the CPU',
] as const;

export async function runDemo(
  engine: Engine,
  req: DemoRequest,
  onStep?: (step: number) => void,
  signal?: AbortSignal,
): Promise<DemoResult> {
  const step = (i: number) => {
    checkAborted(signal);
    onStep?.(i);
  };
  const fmt = parseFormat(req.format);
  const rng = new Rng(req.seed);
  const { X, W } = await drawOperands(req.dist ?? 'gaussian', req.M, req.K, req.N, rng);
  const [K, N] = [X.cols, W.rows]; // the real layer fixes K (and caps N)
  step(0);

  const wq = await engine.quantize(W, fmt);
  step(1);
  const wCpu = fmt.encode(W);
  const wGpu = await engine.readQuantized(wq);
  const same = (a: Uint32Array, b: Uint32Array) => a.length === b.length && a.every((v, i) => v === b[i]);
  let codesMatch = same(wGpu.codes, wCpu.codes) && same(wGpu.scales, wCpu.scales) && same(wGpu.aux, wCpu.aux);
  const wHat = fmt.decode(wCpu);

  step(2);
  let xOp: GpuOperand;
  let xHat = X;
  // the universal scheme: X takes the next dither seed, and the GPU returns the centred estimate
  let centredReference: Float64Array | null = null;
  if (req.operands === 'both') {
    const xFmt = fmt.centred ? parseFormat(universalPartnerId(fmt.id)) : fmt;
    const xq = await engine.quantize(X, xFmt);
    const xCpu = xFmt.encode(X);
    const xGpu = await engine.readQuantized(xq);
    codesMatch &&= same(xGpu.codes, xCpu.codes) && same(xGpu.scales, xCpu.scales) && same(xGpu.aux, xCpu.aux);
    xHat = xFmt.decode(xCpu);
    if (xFmt instanceof NestedLatticeFormat && fmt instanceof NestedLatticeFormat && fmt.centred)
      centredReference = centredProduct(xFmt, xCpu, fmt, wCpu);
    xOp = xq;
  } else xOp = engine.upload(X);

  step(3);
  (await engine.matmul(xOp, wq)).destroy(); // warm-up: compiles the pipeline, fills the buffer pool
  await engine.sync();
  const t0 = performance.now();
  const y = await engine.matmul(xOp, wq);
  await engine.sync();
  const gemmMs = performance.now() - t0;
  const got = await engine.read(y);
  y.destroy();
  xOp.destroy();
  wq.destroy();

  step(4);
  const gpuVsCpuRelErr = relativeFrobeniusError(got, centredReference ?? matmulF64(xHat, wHat));
  const nmse = productNmse(got, matmulF64(X, W), sumSquares(X.data), sumSquares(W.data), K);
  const bitsPerEntry = fmt.layout(K).bitsPerEntry;
  const weightBytes = (bitsPerEntry * N * K) / 8;
  // Both operands coded: Γ(R). Only W coded (X known exactly): the bound is D(R) = 2^{−2R}
  // (docs/theory.md §2.1, the "hand V to the decoder" bound).
  const gamma = req.operands === 'both' ? gammaBound(bitsPerEntry) : gaussianDistortionRate(bitsPerEntry);
  return {
    format: fmt.id,
    M: req.M,
    K,
    N,
    bitsPerEntry,
    weightMse: mse(wHat.data, W.data),
    productNmse: nmse,
    gamma,
    gapBits: 0.5 * Math.log2(nmse / gamma),
    codesMatch,
    gpuVsCpuRelErr,
    pass: codesMatch && gpuVsCpuRelErr < GPU_VS_CPU_TOLERANCE,
    gemmMs,
    gflops: (2 * req.M * N * K) / (gemmMs * 1e6),
    weightGBps: weightBytes / (gemmMs * 1e6),
  };
}
