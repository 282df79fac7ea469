/**
 * Lowering: how each runtime node of a resolved graph runs on the GPU. Linear layers (MatMul with
 * constant weights, group-1 Conv through im2col, ConvTranspose through a GEMM and col2im) run on the
 * engine's GEMM/GEMV with their weights in any registered format and, optionally, their activations
 * quantized first; everything else has a kernel of its own (shaders/graph/). A node declares the scratch
 * memory it needs; once the buffer plan has placed every tensor, `build` compiles its kernels, uploads
 * its constants and returns its steps for the runner. docs/graph.md describes the whole path.
 */
import { OptionsError, ShapeError, UnsupportedOpError } from '../errors.js';
import type { QuantFormat } from '../formats/format.js';
import { domainOf, type DomainMap } from '../gpu/domain.js';
import type { Kernel } from '../gpu/pipelines.js';
import type { GpuRunner, Step } from '../gpu/runner.js';
import type { WgslConstant } from '../formats/format.js';
import { GpuMatrix, GpuQuantizedMatrix, type GpuOperand } from '../gpu/tensors.js';
import type { Matrix } from '../matrix.js';
import { dequantizeKernel, dequantizeStep } from '../ops/dequantize.js';
import { matmulStep } from '../ops/matmul.js';
import { planMatmul, type PlanContext } from '../ops/plan.js';
import { quantizePasses, quantizeSteps } from '../ops/quantize.js';
import { transformKernel, transformStep } from '../ops/transform.js';
import { asFloats, broadcastStrides, numel, stridesOf } from './host.js';
import {
  convShape,
  convTransposeShape,
  matmulShape,
  nearestSource,
  poolShape,
  reduceShape,
  resizeShape,
  sliceParams,
  softmaxShape,
  unaryParams,
} from './ops.js';
import type { FusedNode } from './fuse.js';
import type { RuntimeNode, Value } from './resolve.js';

/** A linear layer as the weight-format chooser sees it. */
export interface LinearLayer {
  /** The node's name (or its first output's). */
  readonly name: string;
  readonly op: 'MatMul' | 'Conv' | 'ConvTranspose';
  /** W as the engine stores it: rows × cols (K along cols). */
  readonly rows: number;
  readonly cols: number;
  /** Conv kernels: kh × kw (1 × 1 for pointwise). */
  readonly kernel?: readonly [number, number];
  /** The weight initializer's name, and the activation value the layer multiplies. */
  readonly weight: string;
  readonly input: string;
}

/** What a built linear layer holds, for the report. */
export interface LayerRecord extends LinearLayer {
  readonly format: string;
  readonly bitsPerEntry: number;
  readonly weightBytes: number;
  /** ‖W − Ŵ‖² / ‖W‖² of the stored weights (0 for f32). */
  readonly weightNmse: number;
  readonly activations: string;
  /** The matmul path the planner chose, e.g. 'gemm int dp4a'. */
  readonly path: string;
  /** Milliseconds of the layer's dispatches (im2col, activation quantization, GEMM), after profile(). */
  readonly ms?: number;
}

/** A linear layer's weights on the GPU. */
export interface StoredWeight {
  readonly operand: GpuOperand;
  readonly columnScales: Float32Array | null;
}

/** The GPU buffers of a node's tensors. */
export interface NodeBuffers {
  readonly inputs: readonly (GPUBuffer | null)[];
  readonly outputs: readonly GPUBuffer[];
  readonly scratch: readonly GPUBuffer[];
}

/** A lowered node: the scratch it needs, and how to build its steps once buffers exist. */
export interface LoweredNode {
  readonly scratch: readonly number[];
  /** The output is input 0's buffer under another shape: no kernel. */
  readonly view?: boolean;
  build(io: NodeBuffers): Promise<Step[]>;
}

/** What lowering needs from the model being built. */
export interface LowerContext {
  readonly runner: GpuRunner;
  readonly plan: PlanContext;
  /** A constant value on the GPU (uploaded once). */
  constant(v: Value): GPUBuffer;
  /** u32 metadata on the GPU (strides, tables), uploaded once. */
  meta(words: readonly number[]): GPUBuffer;
  /** f32 values on the GPU, uploaded once (weights kept in f32, scales, biases). */
  floats(data: Float32Array, what: string): GPUBuffer;
  /** The layer's weight format (null: f32) and activation format (null: f32). */
  weightFormat(layer: LinearLayer): QuantFormat | null;
  activationFormat(layer: LinearLayer): QuantFormat | null;
  /**
   * Quantizes (or uploads, or takes the caller's pre-quantized) weight matrix; columnScales: multiply
   * the activation's columns by these first (a WaterSIC operand, src/weightonly/operand.ts).
   */
  weight(layer: LinearLayer, w: Matrix, format: QuantFormat | null): Promise<StoredWeight>;
  /** Whether the layer's weights come with column scales (known before they are built). */
  columnScaled(layer: LinearLayer): boolean;
  record(r: LayerRecord): void;
}

const OWNER = { release: () => {} };
const whole = (buffer: GPUBuffer) => ({ buffer, offset: 0, size: buffer.size });
const name = (n: RuntimeNode) => n.node.name || n.outputs[0].name;

/** A 2-D grid of workgroups covering `groups` (the x dimension capped at the device limit). */
function grid(runner: GpuRunner, groups: number): { x: number; y: number } {
  const max = runner.limits.maxComputeWorkgroupsPerDimension;
  const x = Math.max(1, Math.min(groups, max));
  return { x, y: Math.max(1, Math.ceil(groups / x)) };
}

/** One whole-buffer dispatch of `kernel` over `n` elements, 256 per workgroup (the graph kernels' layout). */
function elementStep(
  runner: GpuRunner,
  kernel: Kernel,
  n: number,
  storage: Record<string, GPUBuffer>,
  uniform: string,
  params: Record<string, number>,
): Step {
  const g = grid(runner, Math.ceil(n / 256));
  return {
    kernel,
    axes: [],
    dispatch: () => ({
      storage: Object.fromEntries(Object.entries(storage).map(([k, b]) => [k, whole(b)])),
      uniforms: { [uniform]: { ...params, n, groups_x: g.x } },
      workgroups: [g.x, g.y, 1],
    }),
  };
}

const kernel = (ctx: LowerContext, template: string, entry: string, constants: Record<string, WgslConstant> = {}) =>
  ctx.runner.pipelines.kernel({ template, operands: {}, constants }, entry);

// ---- element-wise ----

const BINARY_OPS: Readonly<Record<string, number>> = { Add: 0, Sub: 1, Mul: 2, Div: 3, Pow: 4 };
const UNARY_OPS: Readonly<Record<string, number>> = {
  Relu: 0,
  Sigmoid: 1,
  HardSigmoid: 2,
  Clip: 3,
  Sqrt: 4,
  Identity: 5,
};

function lowerBinary(ctx: LowerContext, n: RuntimeNode): LoweredNode {
  const out = n.outputs[0].dims;
  const [a, b] = n.inputs as Value[];
  const meta = [...out, ...broadcastStrides(a.dims, out), ...broadcastStrides(b.dims, out)];
  return {
    scratch: [],
    async build(io) {
      const k = await kernel(ctx, 'graph/elementwise.wgsl', 'binary', { OP: BINARY_OPS[n.node.op] });
      const buf = (i: number) => io.inputs[i] ?? ctx.constant(n.inputs[i]!);
      return [
        elementStep(
          ctx.runner,
          k,
          numel(out),
          { a: buf(0), b: buf(1), out: io.outputs[0], table: ctx.meta(meta.length ? meta : [0]) },
          'params',
          { rank: out.length, inner: 1, channels: 1, p0: 0, p1: 0 },
        ),
      ];
    },
  };
}

function lowerUnary(ctx: LowerContext, n: RuntimeNode): LoweredNode {
  const [p0, p1] = unaryParams(n.node.op, n.x);
  return {
    scratch: [],
    async build(io) {
      const k = await kernel(ctx, 'graph/elementwise.wgsl', 'unary', { OP: UNARY_OPS[n.node.op] });
      return [
        elementStep(ctx.runner, k, numel(n.outputs[0].dims), { a: io.inputs[0]!, out: io.outputs[0] }, 'params', {
          rank: 0,
          inner: 1,
          channels: 1,
          p0,
          p1,
        }),
      ];
    },
  };
}

/** A contiguous copy of `count` elements (the first step of in-place ops on a fresh buffer). */
async function copyStep(ctx: LowerContext, src: GPUBuffer, dst: GPUBuffer, count: number, from = 0): Promise<Step> {
  const k = await kernel(ctx, 'graph/layout.wgsl', 'copy');
  return elementStep(ctx.runner, k, count, { src, out: dst, table: ctx.meta([count, 1, 1]) }, 'params', {
    rank: 1,
    in_base: from,
    out_base: 0,
  });
}

/** rows × s.length values in `buf`, column k multiplied by s[k], in place (the epilogue kernel, no activation). */
async function scaleColumnsSteps(
  ctx: LowerContext,
  buf: GPUBuffer,
  rows: number,
  s: Float32Array,
  what: string,
): Promise<Step[]> {
  const C = s.length;
  const coef = new Float32Array(4 * C);
  coef.set(s);
  coef.fill(1, 2 * C, 3 * C);
  const k = await kernel(ctx, 'graph/epilogue.wgsl', 'ep_any', { ACT: 0, GATED: false, POST: false });
  const n = rows * C;
  const g = grid(ctx.runner, Math.ceil(n / 64));
  const params = { n, inner: 1, channels: C, groups_x: g.x, a: 0, p0: 0, p1: 0 };
  const storage = { coef: whole(ctx.floats(coef, `${what} column scales`)), out1: whole(buf) };
  return [{ kernel: k, axes: [], dispatch: () => ({ storage, uniforms: { ep: params }, workgroups: [g.x, g.y, 1] }) }];
}

/** out = out·scale[c] + shift[c] in place, c the channel (axis 1) of an NCHW tensor. */
async function channelStep(
  ctx: LowerContext,
  out: GPUBuffer,
  dims: readonly number[],
  scale: Float32Array,
  shift: Float32Array,
  what: string,
): Promise<Step> {
  const k = await kernel(ctx, 'graph/elementwise.wgsl', 'channel', { OP: 0 });
  const inner = numel(dims.slice(2));
  return elementStep(
    ctx.runner,
    k,
    numel(dims),
    { a: ctx.floats(scale, `${what} scale`), b: ctx.floats(shift, `${what} shift`), out },
    'params',
    { rank: 0, inner, channels: dims[1], p0: 0, p1: 0 },
  );
}

/**
 * The steps of a linear layer's epilogue (src/graph/fuse.ts) on its output `out` of `dims`, in place;
 * `bias` (the layer's own, not yet added) joins the first affine map. None when there is nothing to do.
 */
async function epilogueSteps(
  ctx: LowerContext,
  n: RuntimeNode,
  out: GPUBuffer,
  bias: Float32Array | null,
): Promise<Step[]> {
  const e = (n as FusedNode).epilogue;
  const dims = n.outputs[0].dims;
  if (!e && !bias) return [];
  const last = n.node.op === 'MatMul';
  const C = last ? dims[dims.length - 1] : dims[1];
  const inner = last ? 1 : numel(dims.slice(2));
  const coef = new Float32Array(4 * C);
  for (let c = 0; c < C; c++) {
    const s = e ? e.preScale[c] : 1;
    coef[c] = s;
    // pre(v + b) = v·s + (b·s + t)
    coef[C + c] = (bias ? bias[c] * s : 0) + (e ? e.preShift[c] : 0);
    coef[2 * C + c] = e?.post?.scale[c] ?? 1;
    coef[3 * C + c] = e?.post?.shift[c] ?? 0;
  }
  const act = e?.activation;
  const constants = {
    ACT: act ? EPILOGUE_ACTIVATIONS[act.op] : 0,
    GATED: !!act?.gated,
    POST: !!e?.post,
  };
  const rows = numel(dims) / (last ? C : inner);
  const n4 = last ? C / 4 : inner / 4;
  const params = {
    n: numel(dims),
    inner,
    channels: C,
    a: act?.shift ?? 0,
    p0: act?.params[0] ?? 0,
    p1: act?.params[1] ?? 0,
  };
  const storage = { coef: whole(ctx.floats(coef, `${name(n)} epilogue`)) };
  const maxY = ctx.runner.limits.maxComputeWorkgroupsPerDimension;
  if (Number.isInteger(n4) && rows <= maxY) {
    const k = await kernel(ctx, 'graph/epilogue.wgsl', last ? 'ep_last' : 'ep_inner', constants);
    return [
      {
        kernel: k,
        axes: [],
        dispatch: () => ({
          storage: { ...storage, out4: whole(out) },
          uniforms: { ep: { ...params, groups_x: 0 } },
          workgroups: [Math.ceil(n4 / 64), rows, 1],
        }),
      },
    ];
  }
  const k = await kernel(ctx, 'graph/epilogue.wgsl', 'ep_any', constants);
  const g = grid(ctx.runner, Math.ceil(numel(dims) / 64));
  return [
    {
      kernel: k,
      axes: [],
      dispatch: () => ({
        storage: { ...storage, out1: whole(out) },
        uniforms: { ep: { ...params, groups_x: g.x } },
        workgroups: [g.x, g.y, 1],
      }),
    },
  ];
}

const EPILOGUE_ACTIVATIONS: Readonly<Record<string, number>> = { Relu: 1, Clip: 2, HardSigmoid: 3, Sigmoid: 4 };

function lowerBatchNorm(ctx: LowerContext, n: RuntimeNode): LoweredNode {
  const [x, ...params] = n.inputs as Value[];
  if (params.some((p) => !p.constant))
    throw new ShapeError(`${n.x.attrs.where}: BatchNormalization parameters must be constant`);
  const eps = n.x.attrs.float('epsilon', 1e-5);
  const [g, b, m, v] = params.map((p) => asFloats(p.constant!));
  const scale = Float32Array.from(g, (gi, i) => gi / Math.sqrt(v[i] + eps));
  const shift = Float32Array.from(b, (bi, i) => bi - m[i] * scale[i]);
  return {
    scratch: [],
    async build(io) {
      return [
        await copyStep(ctx, io.inputs[0]!, io.outputs[0], numel(x.dims)),
        await channelStep(ctx, io.outputs[0], x.dims, scale, shift, name(n)),
      ];
    },
  };
}

// ---- data movement ----

function lowerCopyView(
  ctx: LowerContext,
  dims: readonly number[],
  inStrides: readonly number[],
  inBase: number,
): LoweredNode {
  const meta = [...dims, ...inStrides, ...stridesOf(dims)];
  return {
    scratch: [],
    async build(io) {
      const k = await kernel(ctx, 'graph/layout.wgsl', 'copy');
      return [
        elementStep(
          ctx.runner,
          k,
          numel(dims),
          { src: io.inputs[0]!, out: io.outputs[0], table: ctx.meta(meta.length ? meta : [0]) },
          'params',
          { rank: dims.length, in_base: inBase, out_base: 0 },
        ),
      ];
    },
  };
}

function lowerTranspose(ctx: LowerContext, n: RuntimeNode): LoweredNode {
  const input = n.inputs[0]!.dims;
  const r = input.length;
  const perm = n.x.attrs.ints(
    'perm',
    Array.from({ length: r }, (_v, i) => r - 1 - i),
  );
  const s = stridesOf(input);
  return lowerCopyView(
    ctx,
    n.outputs[0].dims,
    perm.map((p) => s[p]),
    0,
  );
}

function lowerSlice(ctx: LowerContext, n: RuntimeNode): LoweredNode {
  const { starts, steps, dims } = sliceParams(n.x);
  const s = stridesOf(n.inputs[0]!.dims);
  return lowerCopyView(
    ctx,
    dims,
    s.map((v, i) => v * steps[i]),
    starts.reduce((acc, st, i) => acc + st * s[i], 0),
  );
}

function lowerConcat(ctx: LowerContext, n: RuntimeNode): LoweredNode {
  const out = n.outputs[0].dims;
  const axis = n.x.attrs.int('axis') < 0 ? n.x.attrs.int('axis') + out.length : n.x.attrs.int('axis');
  const outStrides = stridesOf(out);
  return {
    scratch: [],
    async build(io) {
      const k = await kernel(ctx, 'graph/layout.wgsl', 'copy');
      let at = 0;
      return n.inputs.map((v, i) => {
        const dims = v!.dims;
        const step = elementStep(
          ctx.runner,
          k,
          numel(dims),
          {
            src: io.inputs[i] ?? ctx.constant(v!),
            out: io.outputs[0],
            table: ctx.meta([...dims, ...stridesOf(dims), ...outStrides]),
          },
          'params',
          { rank: dims.length, in_base: 0, out_base: at * outStrides[axis] },
        );
        at += dims[axis];
        return step;
      });
    },
  };
}

function lowerResize(ctx: LowerContext, n: RuntimeNode): LoweredNode {
  const { dims, scales, ctm, nearest } = resizeShape(n.x);
  const input = n.inputs[0]!.dims;
  const r = dims.length;
  const tables: number[] = [];
  const offsets: number[] = [];
  dims.forEach((d, ax) => {
    offsets.push(3 * r + tables.length);
    for (let o = 0; o < d; o++) tables.push(nearestSource(o, input[ax], d, scales[ax], ctm, nearest));
  });
  const meta = [...dims, ...stridesOf(input), ...offsets, ...tables];
  return {
    scratch: [],
    async build(io) {
      const k = await kernel(ctx, 'graph/layout.wgsl', 'resize_nearest');
      return [
        elementStep(
          ctx.runner,
          k,
          numel(dims),
          { src: io.inputs[0]!, out: io.outputs[0], table: ctx.meta(meta) },
          'params',
          { rank: r, in_base: 0, out_base: 0 },
        ),
      ];
    },
  };
}

// ---- reductions ----

function lowerSoftmax(ctx: LowerContext, n: RuntimeNode): LoweredNode {
  const { rows, len, inner } = softmaxShape(n.x);
  return {
    scratch: [],
    async build(io) {
      const k = await kernel(ctx, 'graph/reduce.wgsl', 'softmax');
      const g = grid(ctx.runner, rows * inner);
      return [
        {
          kernel: k,
          axes: [],
          dispatch: () => ({
            storage: { src: whole(io.inputs[0]!), out: whole(io.outputs[0]) },
            uniforms: { sm: { rows, len, inner, groups_x: g.x } },
            workgroups: [g.x, g.y, 1],
          }),
        },
      ];
    },
  };
}

function reduceMeanLowering(ctx: LowerContext, n: RuntimeNode, axes: readonly number[]): LoweredNode {
  const input = n.inputs[0]!.dims;
  const s = stridesOf(input);
  const kept = input.map((d, i) => (axes.includes(i) ? 1 : d));
  const meta = [
    ...kept,
    ...input.map((_d, i) => (axes.includes(i) ? 0 : s[i])),
    ...axes.map((a) => input[a]),
    ...axes.map((a) => s[a]),
  ];
  const total = numel(axes.map((a) => input[a]));
  return {
    scratch: [],
    async build(io) {
      const k = await kernel(ctx, 'graph/reduce.wgsl', 'reduce_mean');
      const count = numel(kept);
      const g = grid(ctx.runner, Math.ceil(count / 256));
      return [
        {
          kernel: k,
          axes: [],
          dispatch: () => ({
            storage: { src: whole(io.inputs[0]!), out: whole(io.outputs[0]), table: whole(ctx.meta(meta)) },
            uniforms: {
              rd: { n: count, rank: input.length, count: axes.length, total, groups_x: g.x, scale: 1 / total },
            },
            workgroups: [g.x, g.y, 1],
          }),
        },
      ];
    },
  };
}

function lowerAvgPool(ctx: LowerContext, n: RuntimeNode): LoweredNode {
  const { g, dims, countPad } = poolShape(n.x);
  const [, c, h, w] = n.inputs[0]!.dims;
  return {
    scratch: [],
    async build(io) {
      const k = await kernel(ctx, 'graph/conv.wgsl', 'avg_pool');
      const params = windowParams({ inBase: 0, outBase: 0 }, { c, h, w }, { oc: c, oh: dims[2], ow: dims[3] }, g, {
        countPad,
      });
      return [elementStep(ctx.runner, k, numel(dims), { src: io.inputs[0]!, out: io.outputs[0] }, 'cv', params)];
    },
  };
}

// ---- linear layers ----

/**
 * The engine product Y = A·Bᵀ inside a node: A the weights or the activations (as `weightsFirst` says),
 * with the activation operand moved into the weight format's coding domain and quantized first when
 * asked. Scratch: [rotated activations] [quantized activation streams ×3].
 */
interface Product {
  readonly scratch: number[];
  build(io: NodeBuffers, scratchAt: number, act: GpuMatrix, y: GpuMatrix): Promise<Step[]>;
}

/**
 * Activation rows from which a lattice-coded weight is decoded once per run into f32 scratch instead of
 * inside the GEMM: the GEMM decodes each weight block once per tile of activation rows it meets, and a
 * lattice block's decode (docs/lattice.md) costs tens of multiply-adds where an INT entry costs one — at
 * 5760 rows × 64 × 32 the in-GEMM E8 decode took 6.8 s against 25 ms for f32 (npm run bench:gpu).
 */
const DECODE_FIRST_ROWS = 64;

/** The report's name of a product's path, e.g. 'gemm int dp4a' or 'dequantize → gemm float'. */
const pathOf = (plan: ReturnType<typeof planMatmul>, decodeFirst: boolean) =>
  [
    decodeFirst ? 'dequantize →' : '',
    plan.kernel,
    plan.integer ? 'int' : 'float',
    plan.dp4a ? 'dp4a' : '',
    plan.affine ? 'affine' : '',
  ]
    .filter(Boolean)
    .join(' ');

/**
 * Steps decoding `q` into f32 `out` (rows × K); a rotated format decodes into `inDomain` (rows × Kp, scratch)
 * and is rotated back.
 */
async function decodeSteps(
  ctx: LowerContext,
  q: GpuQuantizedMatrix,
  out: GpuMatrix,
  inDomain: GPUBuffer | undefined,
): Promise<Step[]> {
  const { runner } = ctx;
  const k = await dequantizeKernel(runner, q.format);
  const d = domainOf(q.format, q.cols);
  if (!d) return [dequantizeStep(runner, k, q, out)];
  const coded = new GpuMatrix(OWNER, q.rows, d.Kp, inDomain!);
  const signs = ctx.meta([...d.signBits]);
  return [
    dequantizeStep(runner, k, q, coded),
    transformStep(runner, await transformKernel(runner), coded, out, d, true, signs),
  ];
}

/** Steps quantizing the activation rows `a` into `q` (its streams in scratch). */
async function quantizeActivationSteps(
  ctx: LowerContext,
  a: GpuMatrix,
  q: GpuQuantizedMatrix,
  what: string,
): Promise<Step[]> {
  const steps: Step[] = [];
  const tensorMax = ctx.floats(new Float32Array(1), `${what} tensor max`);
  // A tensor-wide scale (NVFP4) is reduced into a word that must start each run at zero.
  if (q.format.wgsl.needsTensorMax)
    steps.push(await copyStep(ctx, ctx.floats(new Float32Array(1), 'zero'), tensorMax, 1));
  steps.push(...quantizeSteps(ctx.runner, await quantizePasses(ctx.runner, q.format), a, q, tensorMax));
  return steps;
}

function linearProduct(
  ctx: LowerContext,
  layer: LinearLayer,
  w: () => Matrix,
  weightsFirst: boolean,
  actRows: number,
): Product {
  const wf = ctx.weightFormat(layer);
  const af = ctx.activationFormat(layer);
  const K = layer.cols;
  const decodeFirst = !!wf && !af && wf.family === 'lattice' && actRows >= DECODE_FIRST_ROWS;
  const wDomain = wf ? domainOf(wf, K) : null;
  const domain: DomainMap | null = decodeFirst ? null : wf ? wDomain : af ? domainOf(af, K) : null;
  if (af && wf && !!domainOf(af, K) !== !!domainOf(wf, K))
    throw new OptionsError(
      'activations',
      `layer ${layer.name}: weights ${wf.id} and activations ${af.id} code rows in different domains (a rotated ` +
        `lattice format pairs only with another)`,
    );
  const Kp = domain ? domain.Kp : K;
  const scratch: number[] = [];
  if (domain) scratch.push(actRows * Kp * 4);
  const aLayout = af?.layout(K);
  if (af && aLayout)
    for (const s of ['codes', 'scales', 'aux'] as const)
      scratch.push(Math.max(4, actRows * aLayout.wordsPerRow[s] * 4));
  // Decode-first: the weights in f32 (and, for a rotated format, in its domain before rotating back).
  const decodedAt = scratch.length;
  if (decodeFirst) {
    scratch.push(layer.rows * K * 4);
    if (wDomain) scratch.push(layer.rows * wDomain.Kp * 4);
  }
  // WaterSIC operands scale X's columns first: X·Ŵᵀ = (X·diag(s))·Zᵀ, into scratch (X may be read elsewhere).
  const scaledAt = scratch.length;
  if (ctx.columnScaled(layer)) scratch.push(actRows * K * 4);
  // The weights are quantized once, however many times the product runs (once per image of a batch).
  let stored: Promise<StoredWeight> | null = null;
  let recorded = false;
  let decodedOnce = false;
  return {
    scratch,
    async build(io, at, act, y) {
      const { runner } = ctx;
      const steps: Step[] = [];
      const sw = await (stored ??= ctx.weight(layer, w(), wf));
      const wq = sw.operand;
      let weights: GpuOperand = wq;
      if (decodeFirst) {
        const decoded = new GpuMatrix(OWNER, layer.rows, K, io.scratch[at + decodedAt]);
        // Once per run: later images of a batch reuse the decoded scratch.
        if (!decodedOnce)
          steps.push(...(await decodeSteps(ctx, wq as GpuQuantizedMatrix, decoded, io.scratch[at + decodedAt + 1])));
        decodedOnce = true;
        weights = decoded;
      }
      let a: GpuOperand = act;
      let s = at;
      if (sw.columnScales) {
        if (af || domain)
          throw new OptionsError('activations', `layer ${layer.name}: a WaterSIC operand takes f32 activations`);
        const scaled = new GpuMatrix(OWNER, actRows, K, io.scratch[at + scaledAt]);
        steps.push(await copyStep(ctx, act.buffer, scaled.buffer, actRows * K, act.offset));
        steps.push(...(await scaleColumnsSteps(ctx, scaled.buffer, actRows, sw.columnScales, layer.name)));
        a = scaled;
      }
      if (domain) {
        const rotated = new GpuMatrix(OWNER, actRows, Kp, io.scratch[s++]);
        const signs = ctx.meta([...domain.signBits]);
        steps.push(transformStep(runner, await transformKernel(runner), act, rotated, domain, false, signs));
        a = rotated;
      }
      if (af && aLayout) {
        const [codes, scales, aux] = io.scratch.slice(s, s + 3);
        const q = new GpuQuantizedMatrix(OWNER, af, actRows, K, aLayout, codes, scales, aux);
        steps.push(...(await quantizeActivationSteps(ctx, a as GpuMatrix, q, layer.name)));
        a = q;
      }
      const [x, ww] = weightsFirst ? [weights, a] : [a, weights];
      const plan = planMatmul(ctx.plan, x, ww, y.rows, {});
      const k = await runner.pipelines.kernel(plan.request, plan.entry);
      if (!recorded)
        ctx.record({
          ...layer,
          format: wf?.id ?? 'f32',
          bitsPerEntry: wf ? wf.layout(K).bitsPerEntry : 32,
          weightBytes: 0,
          weightNmse: 0,
          activations: af?.id ?? 'f32',
          path: pathOf(plan, decodeFirst),
        });
      recorded = true;
      steps.push(matmulStep(runner, plan, k, x, ww, y, Kp));
      return steps;
    },
  };
}

function lowerMatMul(ctx: LowerContext, n: RuntimeNode): LoweredNode {
  const [a, b] = n.inputs as Value[];
  const { batch, m, k, n: cols } = matmulShape(n.x);
  if (b.constant && b.dims.length === 2) {
    const rows = numel(a.dims) / k;
    const layer: LinearLayer = { name: name(n), op: 'MatMul', rows: cols, cols: k, weight: b.name, input: a.name };
    // ONNX stores [K, N] (x·W); the engine's W is N×K.
    const w = () => {
      const src = asFloats(b.constant!);
      const data = new Float32Array(cols * k);
      for (let t = 0; t < k; t++) for (let j = 0; j < cols; j++) data[j * k + t] = src[t * cols + j];
      return { rows: cols, cols: k, data };
    };
    const prod = linearProduct(ctx, layer, w, false, rows);
    return {
      scratch: prod.scratch,
      build: async (io) => [
        ...(await prod.build(
          io,
          0,
          new GpuMatrix(OWNER, rows, k, io.inputs[0]!),
          new GpuMatrix(OWNER, rows, cols, io.outputs[0]),
        )),
        ...(await epilogueSteps(ctx, n, io.outputs[0], null)),
      ],
    };
  }
  // Two activations (attention): the batched kernel, batch offsets precomputed.
  const sa = broadcastStrides(a.dims.slice(0, -2), batch);
  const sb = broadcastStrides(b.dims.slice(0, -2), batch);
  const offsets: number[] = [];
  const coord = new Array<number>(batch.length).fill(0);
  for (let p = 0; p < numel(batch); p++) {
    offsets.push(
      coord.reduce((acc, c, d) => acc + c * sa[d], 0) * m * k,
      coord.reduce((acc, c, d) => acc + c * sb[d], 0) * k * cols,
    );
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++coord[d] < batch[d]) break;
      coord[d] = 0;
    }
  }
  return {
    scratch: [],
    async build(io) {
      const kk = await kernel(ctx, 'graph/bmm.wgsl', 'bmm');
      const lhs = io.inputs[0] ?? ctx.constant(a);
      const rhs = io.inputs[1] ?? ctx.constant(b);
      return [
        elementStep(
          ctx.runner,
          kk,
          numel(n.outputs[0].dims),
          { lhs, rhs, out: io.outputs[0], table: ctx.meta(offsets) },
          'mm',
          { m, k, cols },
        ),
      ];
    },
  };
}

type WindowGeometry = Omit<ReturnType<typeof convShape>['g'], 'dh' | 'dw'> & { dh?: number; dw?: number };

/** A sliding window's kernel size, strides, leading pads and dilations, in the uniforms' field order. */
const taps = (g: WindowGeometry) => ({
  kh: g.kh,
  kw: g.kw,
  sh: g.sh,
  sw: g.sw,
  pt: g.pt,
  pl: g.pl,
  dh: g.dh ?? 1,
  dw: g.dw ?? 1,
});

/** The `cv` uniform of conv.wgsl / conv_direct.wgsl: one sliding window over an NCHW image. */
function windowParams(
  at: { inBase: number; outBase: number },
  x: { c: number; h: number; w: number },
  out: { oc: number; oh: number; ow: number },
  g: WindowGeometry,
  extra: { group?: number; countPad?: boolean } = {},
) {
  return {
    in_base: at.inBase,
    out_base: at.outBase,
    channels: x.c,
    h: x.h,
    w: x.w,
    oc: out.oc,
    oh: out.oh,
    ow: out.ow,
    ...taps(g),
    group: extra.group ?? 1,
    count_pad: extra.countPad ? 1 : 0,
    pb: g.pb,
    pr: g.pr,
  };
}

function im2colParams(
  c: number,
  h: number,
  w: number,
  ow: number,
  g: ReturnType<typeof convShape>['g'],
  inBase: number,
) {
  return {
    in_base: inBase,
    channels: c,
    h,
    w,
    ow,
    ...taps(g),
    cols: c * g.kh * g.kw,
  };
}

function lowerConv(ctx: LowerContext, n: RuntimeNode): LoweredNode {
  const { g, group, dims } = convShape(n.x);
  const [x, wv, bv] = n.inputs;
  if (!wv?.constant) throw new ShapeError(`${n.x.attrs.where}: Conv weights must be constant`);
  const [batches, c, h, w] = x!.dims;
  const [, o, oh, ow] = dims;
  const bias = bv?.constant ? asFloats(bv.constant) : new Float32Array(o);
  if (group !== 1) {
    // Grouped (depthwise above all): a direct kernel, weights kept in f32 ([O, C/group, kh, kw], a few per channel).
    return {
      scratch: [],
      async build(io) {
        const k = await kernel(ctx, 'graph/conv_direct.wgsl', 'conv_direct', { KH: g.kh, KW: g.kw });
        const weight = ctx.floats(asFloats(wv.constant!), `${name(n)} weights`);
        const b = ctx.floats(bias, `${name(n)} bias`);
        const steps: Step[] = [];
        for (let bi = 0; bi < batches; bi++) {
          const params = windowParams(
            { inBase: bi * c * h * w, outBase: bi * o * oh * ow },
            { c, h, w },
            { oc: o, oh, ow },
            g,
            {
              group,
            },
          );
          const storage = { src: io.inputs[0]!, weight, bias: b, out: io.outputs[0] };
          steps.push({
            kernel: k,
            axes: [],
            dispatch: () => ({
              storage: Object.fromEntries(Object.entries(storage).map(([key, buf]) => [key, whole(buf)])),
              uniforms: { cv: { ...params, n: o * oh * ow, groups_x: 0 } },
              workgroups: [Math.ceil(ow / 64), Math.ceil(oh / 4), o],
            }),
          });
        }
        steps.push(...(await epilogueSteps(ctx, n, io.outputs[0], null)));
        return steps;
      },
    };
  }
  const K = c * g.kh * g.kw;
  const rows = oh * ow;
  const layer: LinearLayer = {
    name: name(n),
    op: 'Conv',
    rows: o,
    cols: K,
    kernel: [g.kh, g.kw],
    weight: wv.name,
    input: x!.name,
  };
  const prod = linearProduct(ctx, layer, () => ({ rows: o, cols: K, data: asFloats(wv.constant!) }), true, rows);
  return {
    scratch: [rows * K * 4, ...prod.scratch],
    async build(io) {
      const k = await kernel(ctx, 'graph/layout.wgsl', 'im2col');
      const cols = new GpuMatrix(OWNER, rows, K, io.scratch[0]);
      const steps: Step[] = [];
      for (let bi = 0; bi < batches; bi++) {
        steps.push(
          elementStep(
            ctx.runner,
            k,
            rows * K,
            { src: io.inputs[0]!, out: io.scratch[0] },
            'conv',
            im2colParams(c, h, w, ow, g, bi * c * h * w),
          ),
        );
        const y = new GpuMatrix(OWNER, o, rows, io.outputs[0], bi * o * rows);
        steps.push(...(await prod.build(io, 1, cols, y)));
      }
      steps.push(...(await epilogueSteps(ctx, n, io.outputs[0], bv?.constant ? bias : null)));
      return steps;
    },
  };
}

function lowerConvTranspose(ctx: LowerContext, n: RuntimeNode): LoweredNode {
  const { g, dims } = convTransposeShape(n.x);
  const [x, wv, bv] = n.inputs;
  if (!wv?.constant) throw new ShapeError(`${n.x.attrs.where}: ConvTranspose weights must be constant`);
  const [batches, c, h, w] = x!.dims;
  const [, o, oh, ow] = dims;
  const kk = g.kh * g.kw;
  const bias = bv?.constant ? asFloats(bv.constant) : new Float32Array(o);
  // cols[(o, ky, kx), (y, x)] = Σ_c W[c, o, ky, kx]·x[c, y, x]: the engine's A is [(o, ky, kx) × C].
  const layer: LinearLayer = {
    name: name(n),
    op: 'ConvTranspose',
    rows: o * kk,
    cols: c,
    kernel: [g.kh, g.kw],
    weight: wv.name,
    input: x!.name,
  };
  const weights = () => {
    const src = asFloats(wv.constant!);
    const data = new Float32Array(o * kk * c);
    for (let ci = 0; ci < c; ci++) for (let j = 0; j < o * kk; j++) data[j * c + ci] = src[ci * o * kk + j];
    return { rows: o * kk, cols: c, data };
  };
  const hw = h * w;
  const prod = linearProduct(ctx, layer, weights, true, hw);
  return {
    scratch: [hw * c * 4, o * kk * hw * 4, ...prod.scratch],
    async build(io) {
      const transpose = await kernel(ctx, 'graph/layout.wgsl', 'im2col');
      const col2im = await kernel(ctx, 'graph/conv.wgsl', 'col2im');
      const xt = new GpuMatrix(OWNER, hw, c, io.scratch[0]);
      const cols = new GpuMatrix(OWNER, o * kk, hw, io.scratch[1]);
      const one = { kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0 };
      const b = ctx.floats(bias, `${name(n)} bias`);
      const steps: Step[] = [];
      for (let bi = 0; bi < batches; bi++) {
        steps.push(
          elementStep(
            ctx.runner,
            transpose,
            hw * c,
            { src: io.inputs[0]!, out: io.scratch[0] },
            'conv',
            im2colParams(c, h, w, w, one, bi * c * hw),
          ),
        );
        steps.push(...(await prod.build(io, 2, xt, cols)));
        const params = windowParams({ inBase: 0, outBase: bi * o * oh * ow }, { c, h, w }, { oc: o, oh, ow }, g);
        steps.push(
          elementStep(
            ctx.runner,
            col2im,
            o * oh * ow,
            { src: io.scratch[1], bias: b, out: io.outputs[0] },
            'cv',
            params,
          ),
        );
      }
      steps.push(...(await epilogueSteps(ctx, n, io.outputs[0], null)));
      return steps;
    },
  };
}

const VIEW: LoweredNode = { scratch: [], view: true, build: async () => [] };

/** How a runtime node runs; an op without a GPU form is an UnsupportedOpError naming it. */
export function lowerNode(ctx: LowerContext, n: RuntimeNode, supported: readonly string[]): LoweredNode {
  const op = n.node.op;
  if (n.def.view) return VIEW;
  if (op === 'Cast' && [1, 10, 11].includes(n.x.attrs.int('to'))) return VIEW;
  if (Object.hasOwn(BINARY_OPS, op)) return lowerBinary(ctx, n);
  if (Object.hasOwn(UNARY_OPS, op)) return lowerUnary(ctx, n);
  switch (op) {
    case 'BatchNormalization':
      return lowerBatchNorm(ctx, n);
    case 'Transpose':
      return lowerTranspose(ctx, n);
    case 'Slice':
      return lowerSlice(ctx, n);
    case 'Concat':
      return lowerConcat(ctx, n);
    case 'Resize':
      return lowerResize(ctx, n);
    case 'Softmax':
      return lowerSoftmax(ctx, n);
    case 'ReduceMean':
      return reduceMeanLowering(ctx, n, reduceShape(n.x).axes);
    case 'GlobalAveragePool':
      return reduceMeanLowering(
        ctx,
        n,
        n.inputs[0]!.dims.slice(2).map((_d, i) => i + 2),
      );
    case 'AveragePool':
      return lowerAvgPool(ctx, n);
    case 'MatMul':
      return lowerMatMul(ctx, n);
    case 'Conv':
      return lowerConv(ctx, n);
    case 'ConvTranspose':
      return lowerConvTranspose(ctx, n);
  }
  throw new UnsupportedOpError(`${op} (on run-time values)`, name(n), supported);
}
