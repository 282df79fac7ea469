/** Benchmark page: measured error against the bounds, and GEMM time against f32, in one run. */
import { createEngine, type Engine, type GpuOperand } from '../src/engine.js';
import { parseFormat } from '../src/formats/registry.js';
import { matmulF64 } from '../src/reference/matmul.js';
import { mse, productNmse, sumSquares } from '../src/reference/metrics.js';
import { gaussianMatrix, Rng } from '../src/reference/random.js';
import { gammaBound, rateLoss } from '../src/theory/gaussian.js';
import { predictedMse } from '../src/theory/highrate.js';
import { DEFAULT_FORMATS, type BenchOptions, type BenchRow } from './rows.js';

declare global {
  interface Window {
    runBench: (opts: BenchOptions) => Promise<BenchRow[]>;
    __benchProgress?: (msg: string) => void;
    __ready?: boolean;
    __initError?: string;
  }
}

function progress(msg: string): void {
  window.__benchProgress?.(msg);
}

async function timeMs(engine: Engine, reps: number, run: () => Promise<{ destroy(): void }>): Promise<number> {
  (await run()).destroy(); // warm-up: pipeline compilation, buffer pool
  await engine.sync();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = await run();
    await engine.sync();
    times.push(performance.now() - t0);
    out.destroy();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
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
    progress(`${id}: MSE on ${source.data.length} samples`);
    const q = await engine.quantize(source, fmt);
    const deq = await engine.dequantize(q);
    const m = mse(await engine.read(deq), source.data);
    q.destroy();
    deq.destroy();

    progress(`${id}: product error and GEMM time`);
    const xq: GpuOperand = await engine.quantize(xGpu, fmt);
    const wq: GpuOperand = await engine.quantize(wGpu, fmt);
    const y = await engine.matmul(xq, wq);
    const nmse = productNmse(await engine.read(y), exact, xx, ww, K);
    y.destroy();
    const gemmMs = await timeMs(engine, reps, () => engine.matmul(xGpu, wq));
    xq.destroy();
    wq.destroy();

    const bpe = fmt.layout(sourceK).bitsPerEntry;
    const gamma = gammaBound(fmt.layout(K).bitsPerEntry);
    rows.push({
      format: id,
      params: { ...fmt.params },
      bitsPerEntry: bpe,
      mse: m,
      predictedMse: predictedMse(fmt, K),
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
    });
  }
  xGpu.destroy();
  wGpu.destroy();
  engine.destroy();
  return rows;
}

window.runBench = runBench;
window.__ready = true;
