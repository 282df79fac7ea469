/**
 * GPU kernel benchmark page (`npm run bench:gpu`): our GEMV/GEMM templates per format against our f32
 * kernels, the naive floor, copy-bandwidth and FMA-throughput ceilings, and peer libraries — one run,
 * one adapter. Every timed kernel's output is checked against the CPU reference first.
 */
import { createEngine, type Engine } from '../src/engine.js';
import type { GpuOperand } from '../src/gpu/tensors.js';
import { operandWindow } from '../src/ops/operand.js';
import type { MatmulOptions } from '../src/ops/plan.js';
import { parseFormat } from '../src/formats/registry.js';
import { TrellisFormat } from '../src/formats/trellis/format.js';
import type { Matrix } from '../src/matrix.js';
import { gaussianMatrix, Rng } from '../src/reference/random.js';
import { checkRows } from './check-rows.js';
import {
  DEFAULT_GPU_FORMATS,
  DEFAULT_GPU_PAIRS,
  DEFAULT_GPU_SHAPES,
  type GpuBenchOptions,
  type GpuBenchRow,
  type GpuBenchShape,
} from './gpu-rows.js';
import type { Peer } from './peers.js';
import { interleavedMedians, wallMs } from './timing.js';

const progress = (msg: string) => window.__benchProgress?.(msg);

/** Wall ms of `run` (which must leave its work submitted) until the queue is idle. */
// biome-ignore lint/suspicious/noConfusingVoidType: a sampled run may leave nothing to free
function sampler(device: GPUDevice, run: () => Promise<{ destroy(): void } | void>): () => Promise<number> {
  return () => wallMs(run, () => device.queue.onSubmittedWorkDone());
}

/**
 * Samplers of the two ceilings: a 64 MiB vec4 copy (ms) and independent FMA chains; `toRates` turns their ms into GB/s
 * and GFLOP/s.
 */
async function ceilingSamplers(engine: Engine) {
  const device = engine.device;
  // Submitted through the engine's runner like every op; the sampler waits for the queue itself.
  const dispatch = async (
    template: string,
    entry: string,
    storage: Record<string, GPUBuffer>,
    uniforms: Record<string, Record<string, number>>,
    groups: number,
  ) => {
    const kernel = await engine.pipelines.kernel({ template, operands: {} }, entry);
    const windows = Object.fromEntries(
      Object.entries(storage).map(([k, b]) => [k, { buffer: b, offset: 0, size: b.size }]),
    );
    await engine.runner.run(template, [
      { kernel, axes: [], dispatch: () => ({ storage: windows, uniforms, workgroups: [groups, 1, 1] }) },
    ]);
  };
  const bytes = 64 << 20;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const src = device.createBuffer({ size: bytes, usage });
  const dst = device.createBuffer({ size: bytes, usage });
  const count = bytes / 16;
  const threads = Math.ceil(count / 16 / 64) * 64;
  const groups = 512;
  const iters = 2048;
  const out = device.createBuffer({ size: groups * 64 * 16, usage });
  return {
    copy: sampler(device, () =>
      dispatch('bench/copy.wgsl', 'copy', { src, dst }, { params: { count, threads } }, threads / 64),
    ),
    fma: sampler(device, () =>
      dispatch('bench/fma.wgsl', 'fma_peak', { out }, { params: { iters, seed: 1e-3 } }, groups),
    ),
    toRates: (copyMs: number, fmaMs: number) => ({
      copyGBps: (2 * bytes) / copyMs / 1e6,
      fmaGflops: (groups * 64 * 8 * 4 * 2 * iters) / fmaMs / 1e6,
    }),
    destroy: () => {
      for (const b of [src, dst, out]) b.destroy();
    },
  };
}

/**
 * A sampler of the decode cost of `w` (GpuBenchRow.decodeOps): every 8-block decoded once as the W side of
 * `affine` or float GEMV paths decodes it, summed per thread (shaders/bench/decode_cost.wgsl); `floor`:
 * one word read per 8-block instead, the cost every figure includes.
 */
async function decodeCostSampler(engine: Engine, w: GpuOperand, body: 'affine' | 'float' | 'floor') {
  if (!('layout' in w)) throw new Error('decode cost: W is not quantized');
  const kernel = await engine.pipelines.kernel(
    {
      template: 'bench/decode_cost.wgsl',
      operands: { q: { wgsl: w.format.wgsl, access: 'read' } },
      includes: [`bench/decode_cost_${body}.wgsl`],
    },
    'decode_cost',
  );
  const rows = w.rows;
  const k = w.layout.codedK ?? w.layout.K;
  const out = engine.device.createBuffer({ size: rows * 64 * 16, usage: GPUBufferUsage.STORAGE });
  const src = operandWindow(engine.runner, 'q', w, 0, rows);
  const outWin = engine.runner.window(out, 0, rows * 64 * 4);
  return {
    weights: rows * k,
    sample: sampler(engine.device, () =>
      engine.runner.run('decode cost', [
        {
          kernel,
          axes: [],
          dispatch: () => ({
            storage: { out: outWin, ...src.storage },
            uniforms: { params: { k }, ...src.uniforms },
            workgroups: [1, rows, 1],
          }),
        },
      ]),
    ),
    release: () => out.destroy(),
  };
}

/** The naive kernel is timed only up to this many flops per call (at 4096² GEMM sizes one call takes minutes). */
const NAIVE_MAX_FLOPS = 2 ** 30;

interface Operand {
  gpu: GpuOperand;
  cpu: Matrix; // what the GPU operand decodes to (the reference multiplies these)
  bits: number;
}

async function makeOperand(engine: Engine, id: string, m: Matrix): Promise<Operand> {
  if (id === 'f32') return { gpu: engine.upload(m), cpu: m, bits: 32 };
  const f = parseFormat(id);
  if (f instanceof TrellisFormat) {
    // random trellis paths (docs/trellis.md §5): the search (2^L per weight, CPU or GPU) takes hours at this size
    const rng = new Rng(0x7cc0);
    const q = f.randomPaths(m.rows, m.cols, () => rng.u32());
    return { gpu: engine.uploadQuantized(q), cpu: f.decode(q), bits: q.layout.bitsPerEntry };
  }
  const q = await engine.quantize(m, f);
  return { gpu: q, cpu: f.decode(f.encode(m)), bits: q.bitsPerEntry };
}

/** One timed candidate of a shape: its row (ms and the ratios filled in after timing) and its sampler. */
interface Candidate {
  row: GpuBenchRow;
  bytes: number;
  sample(): Promise<number>;
  release(): Promise<void> | void;
}

async function runGpuBench(opts: GpuBenchOptions): Promise<GpuBenchRow[]> {
  const reps = opts.reps ?? 3;
  const shapes: GpuBenchShape[] = opts.shapes ?? DEFAULT_GPU_SHAPES;
  const formats = opts.formats ?? DEFAULT_GPU_FORMATS;
  const pairs = opts.pairs ?? DEFAULT_GPU_PAIRS;
  const engine = await createEngine();
  const device = engine.adapterInfo?.architecture || engine.adapterInfo?.vendor || 'unknown';
  progress(`adapter ${device}; features ${JSON.stringify(engine.features)}`);
  const ceilings = await ceilingSamplers(engine);
  const rows: GpuBenchRow[] = [];
  const base = { vsPeers: {}, relErr: 0, device, vsF32: NaN };
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
    const candidates: Candidate[] = [];
    /** Decode-cost samplers, each filling in its GEMV/GEMM row's decodeOps, and their floors. */
    const decodeCosts: {
      row: GpuBenchRow;
      weights: number;
      sample(): Promise<number>;
      floor(): Promise<number>;
      release(): void;
    }[] = [];
    /** A row of this shape before timing (ms and the rates filled in after the rounds). */
    const untimedRow = (
      r: Pick<GpuBenchRow, 'format' | 'x' | 'kernel' | 'path' | 'bitsPerEntry' | 'relErr'>,
    ): GpuBenchRow => ({
      ...base,
      vsPeers: {},
      M,
      K,
      N,
      ms: NaN,
      gflops: NaN,
      weightGBps: NaN,
      roofline: NaN,
      ...r,
    });
    const ours = async (xId: string, wId: string, options: MatmulOptions, kernel: GpuBenchRow['kernel']) => {
      progress(`${kernel} ${M}×${K}×${N}: X ${xId} · W ${wId}ᵀ (check)`);
      const x = await makeOperand(engine, xId, X);
      const w = await makeOperand(engine, wId, W);
      const y = await engine.matmul(x.gpu, w.gpu, options);
      const got = await engine.read(y);
      y.destroy();
      const relErr = checkRows(got, x.cpu, w.cpu, checkM);
      if (!(relErr < 1e-4))
        throw new Error(
          `${wId} (X ${xId}) ${kernel} ${M}×${K}×${N}: output does not match the CPU reference (rel. error ${relErr})`,
        );
      const plan = engine.planMatmul(x.gpu, w.gpu, M, options);
      const path = [
        plan.kernel,
        plan.integer ? 'int' : plan.affine ? 'affine' : 'float',
        plan.dp4a ? 'dp4a' : '',
        plan.subgroups ? 'subgroups' : '',
      ]
        .filter(Boolean)
        .join(' ');
      const weightBytes = (w.bits * N * K) / 8;
      const row = untimedRow({ format: wId, x: xId, kernel, path, bitsPerEntry: w.bits, relErr });
      if ((opts.decodeCost ?? true) && xId === 'f32' && wId !== 'f32' && kernel !== 'naive') {
        const cost = await decodeCostSampler(engine, w.gpu, plan.affine ? 'affine' : 'float');
        const floor = await decodeCostSampler(engine, w.gpu, 'floor');
        decodeCosts.push({
          row,
          weights: cost.weights,
          sample: cost.sample,
          floor: floor.sample,
          release: () => {
            cost.release();
            floor.release();
          },
        });
      }
      candidates.push({
        row,
        bytes: weightBytes + (x.bits * M * K) / 8 + 4 * M * N,
        sample: sampler(engine.device, () => engine.matmul(x.gpu, w.gpu, options)),
        release: () => {
          x.gpu.destroy();
          w.gpu.destroy();
        },
      });
    };
    // The shape's kind picks the template (a `gemm:1x…` shape times the tiled GEMM at M = 1).
    const tile = {
      kernel: shape.kernel,
      ...(opts.tile ? { tile: opts.tile } : {}),
      ...(opts.gemvTile ? { gemvTile: opts.gemvTile } : {}),
    };
    for (const f of formats) await ours('f32', f, { ...tile }, shape.kernel);
    for (const [xf, wf] of pairs) await ours(xf, wf, { ...tile }, shape.kernel);
    if ((opts.naive ?? true) && flops <= NAIVE_MAX_FLOPS) {
      for (const f of ['f32', 'int4-g32']) await ours('f32', f, { kernel: 'naive' }, 'naive');
    }
    const wrongPeers: GpuBenchRow[] = [];
    for (const p of peers) {
      progress(`${p.name} ${M}×${K}×${N} (check)`);
      const r = await p.prepare(X, W, checkM);
      const weightBytes = (r.bitsPerEntry * N * K) / 8;
      const row = untimedRow({
        format: p.name,
        x: 'f32',
        kernel: shape.kernel,
        path: p.op,
        bitsPerEntry: r.bitsPerEntry,
        relErr: r.relErr,
      });
      if (r.wrong) {
        // reported at this shape with its error, never timed
        progress(`${p.name} ${M}×${K}×${N}: wrong output (${r.wrong}); not timed`);
        wrongPeers.push({ ...row, wrong: r.wrong });
        await r.release();
        continue;
      }
      candidates.push({
        row,
        bytes: weightBytes + 4 * M * K + 4 * M * N,
        sample: r.sample,
        release: r.release,
      });
    }
    // Every candidate and both ceilings are timed in the same rounds (see interleavedMedians).
    const ms = await interleavedMedians(
      reps,
      [
        ceilings.copy,
        ceilings.fma,
        ...candidates.map((c) => c.sample),
        ...decodeCosts.flatMap((d) => [d.sample, d.floor]),
      ],
      (round) =>
        progress(
          `${M}×${K}×${N}: ${round === 0 ? 'warm-up round' : `round ${round}/${reps}`} (${candidates.length} ` +
            `kernels + 2 ceilings + ${decodeCosts.length} decode costs and their floors)`,
        ),
    );
    const ceil = ceilings.toRates(ms[0], ms[1]);
    rows.push({
      ...base,
      format: 'copy',
      x: '-',
      kernel: 'copy',
      path: '64 MiB vec4 copy',
      M,
      K,
      N,
      ms: ms[0],
      gflops: 0,
      weightGBps: ceil.copyGBps,
      bitsPerEntry: 32,
      roofline: 1,
    });
    rows.push({
      ...base,
      format: 'fma',
      x: '-',
      kernel: 'fma',
      path: '8 vec4 FMA chains per thread (unrolled)',
      M,
      K,
      N,
      ms: ms[1],
      gflops: ceil.fmaGflops,
      weightGBps: 0,
      bitsPerEntry: 0,
      roofline: 1,
    });
    candidates.forEach((c, i) => {
      const r = c.row;
      r.ms = ms[i + 2];
      r.gflops = flops / r.ms / 1e6;
      r.weightGBps = (r.bitsPerEntry * N * K) / 8 / r.ms / 1e6;
      r.roofline = Math.max(c.bytes / ceil.copyGBps / 1e6, flops / ceil.fmaGflops / 1e6) / r.ms;
    });
    // FMA lane operations per ms: GFLOP/s × 10^6 / 2 flops per FMA
    const fmaPerMs = (ceil.fmaGflops * 1e6) / 2;
    decodeCosts.forEach((d, i) => {
      const at = 2 + candidates.length + 2 * i;
      d.row.decodeOps = ((ms[at] - ms[at + 1]) * fmaPerMs) / d.weights;
      d.release();
    });
    const shapeRows = candidates.map((c) => c.row);
    const peerRows = shapeRows.filter((r) => peers.some((p) => p.name === r.format));
    const fastest = peerRows.filter((p) => p.format.startsWith('ort-')).sort((a, b) => a.ms - b.ms)[0];
    const f32ms = shapeRows.find((r) => r.format === 'f32' && r.x === 'f32' && r.kernel === shape.kernel)?.ms ?? NaN;
    for (const r of shapeRows) {
      r.vsF32 = f32ms / r.ms;
      for (const p of peerRows) if (p !== r) r.vsPeers[p.format] = p.ms / r.ms;
      if (fastest && fastest !== r) r.vsFasterOrt = fastest.ms / r.ms;
      r.fasterOrt = fastest?.format ?? null;
    }
    rows.push(...shapeRows, ...wrongPeers);
    for (const c of candidates) await c.release();
  }
  ceilings.destroy();
  engine.destroy();
  return rows;
}

window.runGpuBench = runGpuBench;
window.__ready = true;
