/**
 * Kernel-test cases, run inside the page against the CPU reference. Each returns a CaseResult; the
 * Node side (kernels-test/*.test.ts) asserts on it and prints the seed on failure.
 */
import { createEngine, Engine } from '../src/engine.js';
import { GpuMatrix, type GpuOperand } from '../src/gpu/tensors.js';
import type { MatmulOptions } from '../src/ops/plan.js';
import { DeviceLostError, FormatError, NonFiniteError, ShapeError } from '../src/errors.js';
import type { QuantFormat, QuantizedMatrix } from '../src/formats/format.js';
import { NestedLatticeFormat } from '../src/lattice/format.js';
import { centredProduct } from '../src/lattice/universal.js';
import { parseFormat } from '../src/formats/registry.js';
import type { Matrix } from '../src/matrix.js';
import { memorySource } from '../src/io/byte-source.js';
import { readGguf } from '../src/io/gguf.js';
import { ggufMatrix } from '../src/model/gguf-import.js';
import { matmulF64 } from '../src/reference/matmul.js';
import { relativeFrobeniusError } from '../src/reference/metrics.js';
import { gaussianMatrix, type Rng } from '../src/reference/random.js';
import { CovarianceAccumulator } from '../src/weightonly/calibration.js';
import { intOperand, scaleColumns } from '../src/weightonly/operand.js';
import { syntheticSigma } from '../src/weightonly/synthetic.js';
import { quantizeWeightOnly } from '../src/weightonly/watersic.js';
import { Checker } from './checks.js';
import { makeInput, type InputKind } from './inputs.js';
import type { CaseResult } from './protocol.js';

type Params = Record<string, unknown>;
type Case = (engine: Engine, rng: Rng, p: Params) => Promise<CaseResult>;

function result(c: Checker, info: CaseResult['info'] = {}): CaseResult {
  return {
    ok: c.failures.length === 0,
    failures: c.failures,
    codesCompared: c.codesCompared,
    floatsCompared: c.floatsCompared,
    info,
  };
}

/**
 * GPU quantize → codes/scales/aux bit-exact with the CPU encoder; GPU dequantize bit-exact with CPU decode.
 * `binding` / `maxDim`: on an engine with those planner limits (work split in windows), outputs poisoned.
 */
async function quantizeCase(base: Engine, rng: Rng, p: Params): Promise<CaseResult> {
  const engine =
    p.binding === undefined
      ? base
      : new Engine(base.device, {
          limits: {
            maxStorageBufferBindingSize: p.binding as number,
            maxComputeWorkgroupsPerDimension: p.maxDim as number,
          },
          poisonOutputs: true,
        });
  const fmt = parseFormat(p.format as string);
  const m = makeInput((p.input as InputKind) ?? 'gaussian', p.rows as number, p.cols as number, rng, fmt);
  const c = new Checker();
  const cpu = fmt.encode(m);
  const gq = await engine.quantize(m, fmt);
  const gpu = await engine.readQuantized(gq);
  c.wordsEqual(`${fmt.id} codes`, gpu.codes, cpu.codes);
  c.wordsEqual(`${fmt.id} scales`, gpu.scales, cpu.scales);
  c.wordsEqual(`${fmt.id} aux`, gpu.aux, cpu.aux);
  const deq = await engine.dequantize(gq);
  const got = await engine.read(deq);
  c.allFinite('dequantized', got);
  c.floatsBitEqual(`${fmt.id} dequantized`, got, fmt.decode(cpu).data);
  gq.destroy();
  deq.destroy();
  return result(c, { bitsPerEntry: fmt.layout(m.cols).bitsPerEntry });
}

interface Operand {
  gpu: GpuOperand;
  /** What the GPU operand decodes to. */
  cpu: Matrix;
  /** The CPU code of a centred (universal-scheme) operand: products of two are estimates, not decodes. */
  centred?: { format: NestedLatticeFormat; code: QuantizedMatrix };
}

async function operand(engine: Engine, id: string, m: Matrix): Promise<Operand> {
  if (id === 'f32') return { gpu: engine.upload(m), cpu: m };
  const fmt: QuantFormat = parseFormat(id);
  const code = fmt.encode(m);
  const centred = fmt instanceof NestedLatticeFormat && fmt.centred ? { format: fmt, code } : undefined;
  return { gpu: await engine.quantize(m, fmt), cpu: fmt.decode(code), centred };
}

function centredEstimate(x: NonNullable<Operand['centred']>, w: NonNullable<Operand['centred']>): Float64Array {
  return centredProduct(x.format, x.code, w.format, w.code);
}

/** Y = X·Wᵀ on the GPU, X and W each f32 or quantized, against f64 of the CPU-decoded operands. */
async function gemmCase(engine: Engine, rng: Rng, p: Params): Promise<CaseResult> {
  const { M, K, N } = p as { M: number; K: number; N: number };
  const c = new Checker();
  // p.offset: added to every entry (rows with a large common mean)
  const input = (rows: number) => {
    const m = gaussianMatrix(rows, K, rng);
    if (p.offset) for (let i = 0; i < m.data.length; i++) m.data[i] += p.offset as number;
    return m;
  };
  const x = await operand(engine, (p.x as string) ?? 'f32', input(M));
  const w = await operand(engine, (p.w as string) ?? 'f32', input(N));
  const options = (p.options as MatmulOptions) ?? {};
  if (typeof options.activations === 'string') {
    // X is quantized on the GPU inside matmul: the reference multiplies the decoded activations
    const af = parseFormat(options.activations);
    x.cpu = af.decode(af.encode(x.cpu));
  }
  const y = await engine.matmul(x.gpu, w.gpu, options);
  const got = await engine.read(y);
  const want = x.centred && w.centred ? centredEstimate(x.centred, w.centred) : matmulF64(x.cpu, w.cpu);
  if (p.expect) {
    // the planner must have picked the path the test means to exercise
    const plan = engine.planMatmul(x.gpu, w.gpu, M, options) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(p.expect as Record<string, unknown>))
      if (plan[k] !== v) c.fail(`plan.${k} = ${String(plan[k])}, expected ${String(v)}`);
  }
  c.allFinite('Y', got);
  const err = relativeFrobeniusError(got, want);
  c.floatsCompared += got.length;
  c.below('relative Frobenius error of Y', err, 1e-5);
  x.gpu.destroy();
  w.gpu.destroy();
  y.destroy();
  return result(c, { relErr: err });
}

/**
 * The same quantize + matmul on an engine whose planner limits are tiny (64 KiB bindings, few
 * workgroups per dimension): results must be bit-identical to the unsplit run.
 */
async function splitCase(engine: Engine, rng: Rng, p: Params): Promise<CaseResult> {
  const { M, K, N } = p as { M: number; K: number; N: number };
  const c = new Checker();
  const small = new Engine(engine.device, {
    limits: {
      maxStorageBufferBindingSize: (p.binding as number) ?? 65536,
      maxComputeWorkgroupsPerDimension: (p.maxDim as number) ?? 4,
    },
    poisonOutputs: true,
  });
  const X = gaussianMatrix(M, K, rng);
  const W = gaussianMatrix(N, K, rng);
  // 'x*w': X and W in different formats (the universal scheme's two dither seeds)
  for (const pairId of p.formats as string[]) {
    const [xid, id] = pairId.includes('*') ? pairId.split('*') : [pairId, pairId];
    const runOn = async (e: Engine) => {
      const xq: GpuOperand = xid === 'f32' ? e.upload(X) : await e.quantize(X, xid);
      const wq: GpuOperand = id === 'f32' ? e.upload(W) : await e.quantize(W, id);
      const y = await e.matmul(xq, wq);
      const out = {
        y: await e.read(y),
        w: wq instanceof GpuMatrix ? null : await e.readQuantized(wq),
        deq: wq instanceof GpuMatrix ? null : await e.read(await e.dequantize(wq)),
      };
      xq.destroy();
      wq.destroy();
      y.destroy();
      return out;
    };
    const a = await runOn(engine);
    const b = await runOn(small);
    c.allFinite(`${id} split Y`, b.y);
    c.floatsBitEqual(`${id} Y split vs unsplit`, b.y, a.y);
    if (a.w && b.w) {
      c.wordsEqual(`${id} codes split vs unsplit`, b.w.codes, a.w.codes);
      c.wordsEqual(`${id} scales split vs unsplit`, b.w.scales, a.w.scales);
      c.wordsEqual(`${id} aux split vs unsplit`, b.w.aux, a.w.aux);
      c.floatsBitEqual(`${id} dequantized split vs unsplit`, b.deq!, a.deq!);
      const cpu = parseFormat(id).encode(W);
      c.wordsEqual(`${id} split codes vs CPU`, b.w.codes, cpu.codes);
    }
  }
  return result(c);
}

/** Bad input gives typed errors with clear messages; a lost device gives DeviceLostError and a new engine works. */
async function errorsCase(engine: Engine, rng: Rng): Promise<CaseResult> {
  const c = new Checker();
  const good = gaussianMatrix(4, 40, rng);
  const bad = gaussianMatrix(4, 40, rng);
  bad.data[2 * 40 + 7] = NaN;
  await c.throws('NaN in W', () => engine.quantize(bad, 'int4-g32'), NonFiniteError, /index 87 \(row 2, col 7\)/);
  const inf = gaussianMatrix(3, 5, rng);
  inf.data[14] = -Infinity;
  await c.throws('Inf in X', () => engine.matmul(inf, good), NonFiniteError, /-Infinity at index 14 \(row 2, col 4\)/);
  await c.throws(
    'shape mismatch',
    () => engine.matmul(gaussianMatrix(2, 39, rng), good),
    ShapeError,
    /inner dimensions differ.*2×39.*4×40/,
  );
  await c.throws(
    'zero-size',
    () => engine.quantize({ rows: 0, cols: 8, data: new Float32Array(0) }, 'int4-g32'),
    ShapeError,
    /rows must be a positive integer, got 0/,
  );
  await c.throws(
    'wrong data length',
    () => engine.upload({ rows: 2, cols: 3, data: new Float32Array(5) }),
    ShapeError,
    /has 5 entries, expected rows\*cols = 2\*3 = 6/,
  );
  await c.throws(
    'bad format id',
    () => engine.quantize(good, 'int7-g32'),
    FormatError,
    /bit width must be one of 2, 3, 4, 5, 6, 8; got 7/,
  );
  await c.throws(
    'bad group',
    () => engine.quantize(good, 'int4-g0'),
    FormatError,
    /group size must be a positive integer/,
  );
  await c.throws('unknown format', () => engine.quantize(good, 'fp5-g32'), FormatError, /unknown format id 'fp5-g32'/);
  const huge = gaussianMatrix(2, 32, rng);
  huge.data[5] = 3e9;
  await c.throws(
    'f16 scale overflow',
    () => engine.quantize(huge, 'int4-g32'),
    FormatError,
    /beyond f16's 65504; use scale 'f32' \(format int4-g32-f32\)/,
  );

  const e8a = await engine.quantize(good, 'e8-q14-k4');
  const e8b = await engine.quantize(good, 'e8-q14-k4-s7');
  const i8 = await engine.quantize(good, 'int8-g32');
  await c.throws(
    'different rotations',
    () => engine.matmul(e8a, e8b),
    ShapeError,
    /different rotations\/paddings.*same rotation seed/,
  );
  await c.throws(
    'coded × uncoded',
    () => engine.matmul(i8, e8a),
    ShapeError,
    /X \(int8-g32\) is not coded in the rotated domain/,
  );
  await c.throws('bad lattice β', () => engine.quantize(good, 'e8-q14-b4.01'), FormatError, /multiple of 1\/16/);
  // the universal scheme (docs/universal.md): one dither seed on both sides, or a centred × uncentred pair
  const u1 = await engine.quantize(good, 'e8-q14-k4-u1');
  await c.throws('same dither seed', () => engine.matmul(u1, u1), FormatError, /share dither seed 1/);
  await c.throws('centred × uncentred', () => engine.matmul(u1, e8a), FormatError, /stored centred.*is not/);
  for (const q of [e8a, e8b, i8, u1]) q.destroy();

  // Device loss: an engine on a device we destroy must fail with DeviceLostError; a new one works.
  const doomed = await createEngine();
  const q = await doomed.quantize(good, 'int4-g32');
  doomed.device.destroy();
  await doomed.device.lost;
  await c.throws(
    'after device loss',
    () => doomed.matmul(good, q),
    DeviceLostError,
    /GPU device lost \(destroyed\).*Re-create the engine/,
  );
  // Lost mid-run: the device goes while a product and its read-back are in flight.
  const midRun = await createEngine();
  const pending = midRun
    .matmul(gaussianMatrix(256, 1024, rng), gaussianMatrix(512, 1024, rng))
    .then((y) => midRun.read(y));
  midRun.device.destroy();
  await c.throws(
    'device lost mid-run',
    () => pending,
    DeviceLostError,
    /GPU device lost \(destroyed\).*Re-create the engine/,
  );
  await c.throws(
    'the next call on that engine',
    () => midRun.quantize(good, 'int4-g32'),
    DeviceLostError,
    /GPU device lost/,
  );
  const fresh = await createEngine();
  const y = await fresh.read(await fresh.matmul(good, good));
  const ref = matmulF64(good, good);
  c.below('matmul on a re-created engine', relativeFrobeniusError(y, ref), 1e-5);
  fresh.destroy();
  return result(c);
}

/**
 * quantize → matmul → destroy, `cycles` times on one engine: the GPU bytes it holds (live and pooled)
 * must be the same after as after the first cycle — nothing leaks, nothing piles up in the pool.
 */
async function memoryCase(engine: Engine, rng: Rng, p: Params): Promise<CaseResult> {
  const c = new Checker();
  const cycles = Number(p.cycles);
  const x = gaussianMatrix(3, 96, rng);
  const w = gaussianMatrix(40, 96, rng);
  // Two formats (one coded in a rotated domain, which allocates rotation scratch) and both kernels.
  const formats = ['int4-g32', 'e8-q14-k4'];
  const cycle = async (i: number) => {
    const q = await engine.quantize(w, formats[i % 4 === 3 ? 1 : 0]);
    const y = await engine.matmul(x, q, { kernel: i % 2 ? 'gemm' : 'auto' });
    q.destroy();
    y.destroy();
    y.destroy(); // a second destroy must not hand the buffer out twice
  };
  for (let i = 0; i < 2 * formats.length; i++) await cycle(i); // every pipeline and size class once
  await engine.sync();
  const before = engine.memory();
  for (let i = 0; i < cycles; i++) await cycle(i);
  await engine.sync();
  const after = engine.memory();
  c.equal('live bytes after the cycles', after.liveBytes, before.liveBytes);
  c.equal('pooled bytes after the cycles', after.pooledBytes, before.pooledBytes);
  // The engine still computes correctly after all that recycling.
  const q = await engine.quantize(w, 'int4-g32');
  const y = await engine.matmul(x, q);
  const got = await engine.read(y);
  c.below(
    'matmul after the cycles',
    relativeFrobeniusError(got, matmulF64(x, parseFormat('int4-g32').decode(parseFormat('int4-g32').encode(w)))),
    1e-5,
  );
  q.destroy();
  y.destroy();
  return result(c, {
    cycles,
    liveBytesBefore: before.liveBytes,
    liveBytesAfter: after.liveBytes,
    pooledBytesBefore: before.pooledBytes,
    pooledBytesAfter: after.pooledBytes,
  });
}

/** Calibration on the GPU (XᵀX through the f32 GEMM, accumulated in f64) against the CPU twin. */
async function calibrationCase(engine: Engine, rng: Rng, p: Params): Promise<CaseResult> {
  const c = new Checker();
  const n = Number(p.n);
  const gpu = new CovarianceAccumulator(n);
  const cpu = new CovarianceAccumulator(n);
  for (const rows of p.batches as number[]) {
    const x = gaussianMatrix(rows, n, rng);
    await gpu.addOnGpu(engine, x);
    cpu.add(x);
  }
  const a = gpu.covariance();
  const b = cpu.covariance();
  let err = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    err += (a[i] - b[i]) ** 2;
    ref += b[i] ** 2;
  }
  c.below('relative error of Σ_X (GPU vs CPU)', Math.sqrt(err / ref), 1e-5);
  c.below('count', Math.abs(gpu.count - cpu.count), 1);
  return result(c);
}

/** A WaterSIC result multiplied on the GPU: (X·diag(s))·Zᵀ through the INT GEMM/GEMV vs X·Ŵᵀ in f64. */
async function waterSicCase(engine: Engine, rng: Rng, p: Params): Promise<CaseResult> {
  const c = new Checker();
  const { M, a, n } = p as { M: number; a: number; n: number };
  const S = syntheticSigma(rng, n, true);
  const W = Float64Array.from({ length: a * n }, () => rng.normal());
  const r = quantizeWeightOnly(W, a, n, S, Number(p.rate), 'watersic');
  const op = intOperand(r);
  const x = gaussianMatrix(M, n, rng);
  const w = engine.uploadQuantized(op.w);
  const product = await engine.matmul(scaleColumns(x, op.columnScales), w);
  const y = await engine.read(product);
  product.destroy();
  w.destroy();
  const ref = matmulF64(x, { rows: a, cols: n, data: Float32Array.from(r.What) });
  c.below(`relative error of Y (${op.w.format.id})`, relativeFrobeniusError(y, ref), 1e-5);
  return result(c, { format: op.w.format.id });
}

/**
 * Every block-type tensor of ggml's tiny.gguf loaded into the engine as it is (no re-quantizing) and
 * multiplied (GEMM and GEMV) against the f64 product with ggml's own dequantized values.
 */
async function ggufCase(engine: Engine, rng: Rng): Promise<CaseResult> {
  const c = new Checker();
  const bytes = new Uint8Array(await (await fetch('/test/fixtures/ggml/tiny.gguf')).arrayBuffer());
  const src = memorySource(bytes, 'tiny.gguf');
  const file = await readGguf(src);
  let worst = 0;
  for (const t of file.tensors) {
    if (t.type.block === 1) continue; // f32 / f16: plain tensors
    const golden = await (await fetch(`/test/fixtures/ggml/${t.type.name}.dequant.f32`)).arrayBuffer();
    const w = { rows: t.ne[1], cols: t.ne[0], data: new Float32Array(golden) };
    const gw = engine.uploadQuantized(await ggufMatrix(src, t));
    for (const M of [1, 9]) {
      const x = gaussianMatrix(M, w.cols, rng);
      // small tiles: the decode is what is tested, and small unrolled tiles compile fast on CPU adapters
      const options: MatmulOptions =
        M === 1
          ? { gemvTile: { rows: 16, lanes: 1, rowsPerThread: 1 } }
          : { tile: { wgX: 4, wgY: 4, rqM: 1, rqN: 1, tileK: 32 } };
      const y = await engine.matmul(engine.upload(x), gw, options);
      const got = await engine.read(y);
      y.destroy();
      const err = relativeFrobeniusError(got, matmulF64(x, w));
      c.floatsCompared += got.length;
      c.below(`${t.name} M=${M}: relative Frobenius error of Y`, err, 1e-5);
      worst = Math.max(worst, err);
    }
    gw.destroy();
  }
  return result(c, { relErr: worst });
}

export const CASES: Record<string, Case> = {
  watersic: waterSicCase,
  calibration: calibrationCase,
  quantize: quantizeCase,
  gguf: ggufCase,
  gemm: gemmCase,
  split: splitCase,
  errors: errorsCase,
  memory: memoryCase,
};
