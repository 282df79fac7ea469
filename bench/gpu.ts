/**
 * GPU kernel benchmark page (`npm run bench:gpu`): our GEMV/GEMM templates per format against our f32
 * kernels, the naive floor, copy-bandwidth and FMA-throughput ceilings, and peer libraries — one run,
 * one adapter. Every timed kernel's output is checked against the CPU reference first.
 */
import { createEngine, GpuMatrix, type Engine, type GpuOperand, type MatmulOptions } from '../src/engine.js';
import { parseFormat } from '../src/formats/registry.js';
import { encodeDispatch } from '../src/gpu/pipelines.js';
import type { Matrix } from '../src/matrix.js';
import { gaussianMatrix, Rng } from '../src/reference/random.js';
import { checkRows } from './check-rows.js';
import { DEFAULT_GPU_FORMATS, DEFAULT_GPU_PAIRS, DEFAULT_GPU_SHAPES, type GpuBenchOptions, type GpuBenchRow, type GpuBenchShape } from './gpu-rows.js';
import type { Peer } from './peers.js';
import { medianAfterWarmup, wallMs } from './timing.js';

const progress = (msg: string) => window.__benchProgress?.(msg);

/** Median wall ms of `run` (which must leave its work submitted) until the queue is idle, after one warm-up. */
function timeIt(device: GPUDevice, reps: number, run: () => Promise<{ destroy(): void } | void>): Promise<number> {
  return medianAfterWarmup(reps, () => wallMs(run, () => device.queue.onSubmittedWorkDone()));
}

/** Copy GB/s (read + write) and FMA GFLOP/s of this adapter, measured now. */
async function ceilings(engine: Engine, reps: number) {
  const device = engine.device;
  const dispatch = async (template: string, entry: string, storage: Record<string, GPUBuffer>, uniforms: Record<string, Record<string, number>>, groups: number) => {
    const kernel = await engine.pipelines.kernel({ template, operands: {} }, entry);
    const transient: GPUBuffer[] = [];
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    const wins = Object.fromEntries(Object.entries(storage).map(([k, b]) => [k, { buffer: b, offset: 0, size: b.size }]));
    encodeDispatch(device, pass, kernel, wins, uniforms, [groups, 1, 1], transient);
    pass.end();
    device.queue.submit([enc.finish()]);
    return { destroy: () => transient.forEach((b) => b.destroy()) };
  };
  const bytes = 64 << 20;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const src = device.createBuffer({ size: bytes, usage });
  const dst = device.createBuffer({ size: bytes, usage });
  const count = bytes / 16;
  const threads = Math.ceil(count / 16 / 64) * 64;
  const copyMs = await timeIt(device, reps, () => dispatch('bench/copy.wgsl', 'copy', { src, dst }, { params: { count, threads } }, threads / 64));
  const groups = 512;
  const iters = 2048;
  const out = device.createBuffer({ size: groups * 64 * 16, usage });
  const fmaMs = await timeIt(device, reps, () => dispatch('bench/fma.wgsl', 'fma_peak', { out }, { params: { iters, seed: 1e-3 } }, groups));
  src.destroy();
  dst.destroy();
  out.destroy();
  return { copyGBps: (2 * bytes) / copyMs / 1e6, fmaGflops: (groups * 64 * 8 * 4 * 2 * iters) / fmaMs / 1e6 };
}

interface Operand {
  gpu: GpuOperand;
  cpu: Matrix; // what the GPU operand decodes to (the reference multiplies these)
  bits: number;
}

async function makeOperand(engine: Engine, id: string, m: Matrix): Promise<Operand> {
  if (id === 'f32') return { gpu: engine.upload(m), cpu: m, bits: 32 };
  const f = parseFormat(id);
  const q = await engine.quantize(m, f);
  return { gpu: q, cpu: f.decode(f.encode(m)), bits: q.bitsPerEntry };
}

async function runGpuBench(opts: GpuBenchOptions): Promise<GpuBenchRow[]> {
  const reps = opts.reps ?? 3;
  const shapes: GpuBenchShape[] = opts.shapes ?? DEFAULT_GPU_SHAPES;
  const formats = opts.formats ?? DEFAULT_GPU_FORMATS;
  const pairs = opts.pairs ?? DEFAULT_GPU_PAIRS;
  const engine = await createEngine();
  const device = engine.adapterInfo?.architecture || engine.adapterInfo?.vendor || 'unknown';
  progress(`adapter ${device}; features ${JSON.stringify(engine.features)}`);
  const ceil = await ceilings(engine, reps);
  progress(`ceilings: copy ${ceil.copyGBps.toFixed(2)} GB/s, FMA ${ceil.fmaGflops.toFixed(2)} GFLOP/s`);
  const rows: GpuBenchRow[] = [];
  const base = { vsPeers: {}, relErr: 0, device, vsF32: NaN };
  rows.push({ ...base, format: 'copy', x: '-', kernel: 'copy', path: '64 MiB vec4 copy', M: 0, K: 0, N: 0, ms: (2 * (64 << 20)) / ceil.copyGBps / 1e6, gflops: 0, weightGBps: ceil.copyGBps, bitsPerEntry: 32, roofline: 1 });
  rows.push({ ...base, format: 'fma', x: '-', kernel: 'fma', path: '8 vec4 FMA chains per thread', M: 0, K: 0, N: 0, ms: 0, gflops: ceil.fmaGflops, weightGBps: 0, bitsPerEntry: 0, roofline: 1 });
  let peers: Peer[] = [];
  if (opts.peers ?? true) {
    const mod = await import('./peers.js');
    peers = await mod.loadPeers(progress);
  }
  const rng = new Rng(0x6e4c);
  for (const shape of shapes) {
    const { M, K, N } = shape;
    const X = gaussianMatrix(M, K, rng);
    const W = gaussianMatrix(N, K, rng);
    const checkM = Math.min(M, 4);
    const flops = 2 * M * N * K;
    const shapeRows: GpuBenchRow[] = [];
    const measure = async (xId: string, wId: string, options: MatmulOptions, kernel: GpuBenchRow['kernel']) => {
      progress(`${kernel} ${M}×${K}×${N}: X ${xId} · W ${wId}ᵀ`);
      const x = await makeOperand(engine, xId, X);
      const w = await makeOperand(engine, wId, W);
      const y = await engine.matmul(x.gpu, w.gpu, options);
      const got = await engine.read(y);
      y.destroy();
      const relErr = checkRows(got, x.cpu, w.cpu, checkM);
      if (!(relErr < 1e-4)) throw new Error(`${wId} (X ${xId}) ${kernel} ${M}×${K}×${N}: output does not match the CPU reference (rel. error ${relErr})`);
      const ms = await timeIt(engine.device, reps, () => engine.matmul(x.gpu, w.gpu, options));
      const plan = engine.planMatmul(x.gpu, w.gpu, M, options);
      const path = [plan.kernel, plan.integer ? 'int' : 'float', plan.dp4a ? 'dp4a' : '', plan.subgroups ? 'subgroups' : ''].filter(Boolean).join(' ');
      const weightBytes = (w.bits * N * K) / 8;
      const bytes = weightBytes + (x.bits * M * K) / 8 + 4 * M * N;
      const roofline = Math.max(bytes / ceil.copyGBps / 1e6, flops / ceil.fmaGflops / 1e6) / ms;
      x.gpu.destroy();
      w.gpu.destroy();
      const row: GpuBenchRow = { ...base, vsPeers: {}, format: wId, x: xId, kernel, path, M, K, N, ms, gflops: flops / ms / 1e6, weightGBps: weightBytes / ms / 1e6, bitsPerEntry: w.bits, roofline, relErr };
      shapeRows.push(row);
      return row;
    };
    const tile = { ...(opts.tile ? { tile: opts.tile } : {}), ...(opts.gemvTile ? { gemvTile: opts.gemvTile } : {}) };
    for (const f of formats) await measure('f32', f, { ...tile }, shape.kernel);
    for (const [xf, wf] of pairs) await measure(xf, wf, { ...tile }, shape.kernel);
    if (opts.naive ?? true) {
      for (const f of ['f32', 'int4-g32']) await measure('f32', f, { kernel: 'naive' }, 'naive');
    }
    const peerRows: GpuBenchRow[] = [];
    for (const p of peers) {
      progress(`${p.name} ${M}×${K}×${N}`);
      const r = await p.measure(X, W, reps, checkM);
      const weightBytes = (r.bitsPerEntry * N * K) / 8;
      const bytes = weightBytes + 4 * M * K + 4 * M * N;
      peerRows.push({ ...base, vsPeers: {}, format: p.name, x: 'f32', kernel: shape.kernel, path: p.op, M, K, N, ms: r.ms, gflops: flops / r.ms / 1e6, weightGBps: weightBytes / r.ms / 1e6, bitsPerEntry: r.bitsPerEntry, roofline: Math.max(bytes / ceil.copyGBps / 1e6, flops / ceil.fmaGflops / 1e6) / r.ms, relErr: r.relErr });
    }
    const f32ms = shapeRows.find((r) => r.format === 'f32' && r.x === 'f32' && r.kernel !== 'naive')?.ms ?? NaN;
    for (const r of [...shapeRows, ...peerRows]) {
      r.vsF32 = f32ms / r.ms;
      for (const p of peerRows) if (p !== r) r.vsPeers[p.format] = p.ms / r.ms;
    }
    rows.push(...shapeRows, ...peerRows);
  }
  engine.destroy();
  return rows;
}

window.runGpuBench = runGpuBench;
window.__ready = true;
