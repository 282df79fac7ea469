/** Benchmark page: measured error against the bounds, and GEMM time against f32, in one run. */
import { createEngine, type Engine } from '../src/engine.js';
import type { GpuOperand } from '../src/gpu/tensors.js';
import { parseFormat } from '../src/formats/registry.js';
import { matmulF64 } from '../src/reference/matmul.js';
import { mse, productNmse, sumSquares } from '../src/reference/metrics.js';
import { gaussianMatrix, Rng } from '../src/reference/random.js';
import { gammaBound, rateLoss } from '../src/theory/gaussian.js';
import { predictedMse } from '../src/formats/traits.js';
import { exactMatmulError } from '../src/formats/density.js';
import type { LutCodec } from '../src/formats/elements.js';
import type { ScaledFormat } from '../src/formats/scaled.js';
import { optimalConstant, panterDiteMatmulConstant } from '../src/theory/density.js';
import type { QuantFormat } from '../src/formats/format.js';
import type { Matrix } from '../src/matrix.js';
import { indexEntropyPerEntry, type NestedLatticeFormat } from '../src/lattice/format.js';
import { latticeGranularMse } from '../src/theory/highrate.js';
import { lowRateProduct } from '../src/transforms/sketch.js';
import { DEFAULT_FORMATS, type BenchOptions, type BenchRow } from './rows.js';
import { runTrellisBench, type TrellisBenchOptions } from './trellis-rows.js';
import { runUniversalBench, type UniversalBenchOptions } from './universal-rows.js';
import { medianAfterWarmup, wallMs } from './timing.js';

function progress(msg: string): void {
  window.__benchProgress?.(msg);
}

async function timeMs(engine: Engine, reps: number, run: () => Promise<{ destroy(): void }>): Promise<number> {
  return medianAfterWarmup(reps, () => wallMs(run, () => engine.sync()));
}

/** E[D²], E[D] of D = XY − X̂Ŷ over correlated pairs quantized on the GPU, and the theory beside them. */
async function pairObjective(engine: Engine, fmt: QuantFormat, source: Matrix, rho: number, rng: Rng) {
  if (fmt.family !== 'sq') return null; // the codebook rows' columns (README: pair*)
  const codebook = fmt as ScaledFormat & { codec: LutCodec };
  const y: Matrix = { rows: source.rows, cols: source.cols, data: new Float32Array(source.data.length) };
  const c = Math.sqrt(1 - rho * rho);
  for (let i = 0; i < y.data.length; i++) y.data[i] = Math.fround(rho * source.data[i] + c * rng.normal());
  const xq = await engine.roundTrip(source, fmt);
  const yq = await engine.roundTrip(y, fmt);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < xq.length; i++) {
    const d = source.data[i] * y.data[i] - xq[i] * yq[i];
    s1 += d;
    s2 += d * d;
  }
  const K = codebook.codec.levels.length;
  const q = { centers: Array.from(codebook.codec.levels), thresholds: Array.from(codebook.codec.thresholds) };
  const C = fmt.id.endsWith('-lm') ? panterDiteMatmulConstant(rho) : optimalConstant(rho);
  return {
    pairMeanSquare: s2 / xq.length,
    pairBias: s1 / xq.length,
    pairExact: exactMatmulError(q, rho).meanSquare,
    k2Prediction: (2 * C) / (K * K),
  };
}

async function runBench(opts: BenchOptions): Promise<BenchRow[]> {
  const engine = await createEngine();
  const samples = opts.samples ?? 1 << 22;
  const M = opts.M ?? 256;
  const K = opts.K ?? 1024;
  const N = opts.N ?? 1024;
  const reps = opts.reps ?? 3;
  const rng = new Rng(20261124);
  const device = engine.adapterInfo?.architecture || engine.adapterInfo?.vendor || 'unknown';

  const sourceK = K; // one K for every column, so bitsPerEntry (whole-row scales included) is the same everywhere
  const source = gaussianMatrix(Math.max(1, Math.round(samples / sourceK)), sourceK, rng);
  const X = gaussianMatrix(M, K, rng);
  const W = gaussianMatrix(N, K, rng);
  const exact = matmulF64(X, W);
  const xx = sumSquares(X.data);
  const ww = sumSquares(W.data);

  const xGpu = engine.upload(X);
  const wGpu = engine.upload(W);
  progress(`f32 GEMM ${M}×${K}×${N} on ${device}`);
  const f32GemmMs = await timeMs(engine, reps, () => engine.matmul(xGpu, wGpu));

  const rows: BenchRow[] = [];
  for (const id of opts.formats ?? DEFAULT_FORMATS) {
    const fmt = parseFormat(id);
    // Nested-lattice rows carry their own columns (README: indexEntropyBits, productNmseShrunk, …).
    const latticeFmt = fmt.family === 'lattice' ? (fmt as NestedLatticeFormat) : null;
    progress(`${id}: MSE on ${source.data.length} samples`);
    const q = await engine.quantize(source, fmt);
    const deq = await engine.dequantize(q);
    const m = mse(await engine.read(deq), source.data);
    let lattice: { indexEntropyBits: number; usage: number[] } | null = null;
    if (latticeFmt) {
      const cpu = await engine.readQuantized(q);
      const idx = latticeFmt.blockIndices(cpu);
      const usage = latticeFmt.betas.map((_, j) => idx.filter((v) => v === j).length / idx.length);
      lattice = { indexEntropyBits: indexEntropyPerEntry(latticeFmt, cpu), usage };
    }
    q.destroy();
    deq.destroy();

    progress(`${id}: product error and GEMM time`);
    const xq: GpuOperand = await engine.quantize(xGpu, fmt);
    const wq: GpuOperand = await engine.quantize(wGpu, fmt);
    const y = await engine.matmul(xq, wq);
    const yHat = await engine.read(y);
    const nmse = productNmse(yHat, exact, xx, ww, K);
    let shrunk: number | null = null;
    if (latticeFmt) {
      const a2 = latticeFmt.mmseShrinkage ** 2;
      shrunk = productNmse(
        yHat.map((v) => v * a2),
        exact,
        xx,
        ww,
        K,
      );
    }
    y.destroy();
    const gemmMs = await timeMs(engine, reps, () => engine.matmul(xGpu, wq));
    xq.destroy();
    wq.destroy();

    const pair = await pairObjective(engine, fmt, source, opts.rho ?? 0.9, rng);
    const bpe = fmt.layout(sourceK).bitsPerEntry;
    const gamma = gammaBound(fmt.layout(K).bitsPerEntry);
    rows.push({
      format: id,
      params: { ...fmt.params },
      bitsPerEntry: bpe,
      mse: m,
      predictedMse: lattice && latticeFmt ? latticeGranularMse(latticeFmt, lattice.usage) : predictedMse(fmt, K),
      deltaR: rateLoss(bpe, m),
      productNmse: nmse,
      gamma,
      gapBits: 0.5 * Math.log2(nmse / gamma),
      gemmMs,
      f32GemmMs,
      gemmRatio: gemmMs / f32GemmMs,
      samples: source.data.length,
      shape: { M, K, N },
      device,
      pairRho: pair ? (opts.rho ?? 0.9) : null,
      pairMeanSquare: pair?.pairMeanSquare ?? null,
      pairBias: pair?.pairBias ?? null,
      pairExact: pair?.pairExact ?? null,
      k2Prediction: pair?.k2Prediction ?? null,
      indexEntropyBits: lattice?.indexEntropyBits ?? null,
      productNmseShrunk: shrunk,
      rateEntropyCoded:
        lattice && latticeFmt
          ? bpe -
            (latticeFmt.indexBits / latticeFmt.n) * (latticeFmt.paddedK(sourceK) / sourceK) +
            lattice.indexEntropyBits
          : null,
    });
  }
  if (opts.lowRate !== false) rows.push(...lowRateRows(rng, device));
  xGpu.destroy();
  wGpu.destroy();
  engine.destroy();
  return rows;
}

/**
 * The low-rate regime on the CPU (docs/theory.md §2.2): at R = 0.25, 0.5, 0.75 bit/entry, an entropy-coded
 * scalar quantizer spread over every rotated coordinate vs the same quantizer at R* on a kept fraction
 * R/R* of them (sketching). Rows `ecsq-spread-r<R>` / `ecsq-sketch-r<R>`; GPU fields are null.
 */
function lowRateRows(rng: Rng, device: string): BenchRow[] {
  const K = 4096;
  const A = gaussianMatrix(64, K, rng);
  const B = gaussianMatrix(64, K, rng);
  const rows: BenchRow[] = [];
  for (const R of [0.25, 0.5, 0.75]) {
    for (const scheme of ['spread', 'sketch'] as const) {
      progress(`low-rate ${scheme} at R = ${R}`);
      const r = lowRateProduct(A, B, R, scheme, { seed: 7 });
      const gamma = gammaBound(r.rate);
      rows.push({
        format: `ecsq-${scheme}-r${R}`,
        params: { scheme, targetRate: R, kept: r.kept, codedRate: r.codedRate },
        bitsPerEntry: r.rate,
        mse: r.mse,
        predictedMse: null,
        deltaR: rateLoss(r.rate, r.mse),
        productNmse: r.productNmse,
        gamma,
        gapBits: 0.5 * Math.log2(r.productNmse / gamma),
        gemmMs: null,
        f32GemmMs: null,
        gemmRatio: null,
        samples: 2 * 64 * K,
        shape: { M: 64, K, N: 64 },
        device: 'cpu',
        pairRho: null,
        pairMeanSquare: null,
        pairBias: null,
        pairExact: null,
        k2Prediction: null,
        indexEntropyBits: null,
        rateEntropyCoded: null,
        productNmseShrunk: null,
      });
    }
  }
  void device;
  return rows;
}

window.runBench = runBench;
window.runUniversal = async (o: UniversalBenchOptions) => runUniversalBench(o, progress);
window.runTrellis = (o: TrellisBenchOptions) => runTrellisBench(o, progress);
window.__ready = true;
