/**
 * The graph runner's model: load (resolve, fuse, lower, plan memory), run, read, report, profile.
 * docs/graph.md.
 */
import type { Engine } from '../engine.js';
import { ShapeError } from '../errors.js';
import type { QuantFormat, QuantizedMatrix } from '../formats/format.js';
import { resolveFormat } from '../formats/registry.js';
import { readOnnxGraph, type OnnxGraph } from '../io/onnx-graph.js';
import type { Step } from '../gpu/runner.js';
import { GpuMatrix, type GpuQuantizedMatrix } from '../gpu/tensors.js';
import type { Matrix } from '../matrix.js';
import { fuseEpilogues } from './fuse.js';
import { asFloats, numel } from './host.js';
import { lowerNode, type LayerRecord, type LinearLayer, type LowerContext, type LoweredNode } from './lower.js';
import { passLifetimes, planBuffers, scratchKey } from './memory.js';
import { ModelStore } from './store.js';
import { resolveGraph, SUPPORTED_OPS, type ResolvedGraph, type Value } from './resolve.js';

type Chosen = QuantFormat | string | null;

/**
 * A format for every linear layer; rules tried in order on the layer's name (the first match wins, no
 * match keeps f32); or a function of the layer. null or 'f32' keeps a layer in f32.
 */
export type FormatChoice = Chosen | readonly (readonly [RegExp, Chosen])[] | ((layer: LinearLayer) => Chosen);

/** How engine.loadOnnx / GraphModel.load prepare a model: input shapes, weight and activation formats. */
export interface LoadOptions {
  /** Shape of each model input (the graph is resolved and its buffers planned for these). */
  readonly inputs: Readonly<Record<string, readonly number[]>>;
  /** Weight format of the linear layers (MatMul with constant weights, Conv of group 1, ConvTranspose). Default f32. */
  readonly weights?: FormatChoice;
  /** Quantize the activations entering each linear layer in this format first (W+A). Default none. */
  readonly activations?: FormatChoice;
  /**
   * Weights the caller quantized (calibrated schemes: GPTQ onto INT, block-LDLQ onto E8 — any
   * QuantizedMatrix of a registered format — or a WaterSIC operand with its column scales), by layer
   * name; they take precedence over `weights`. W as the layer stores it: LinearLayer rows × cols.
   */
  readonly quantized?: ReadonlyMap<string, PreQuantized>;
  /** Keep every intermediate tensor (no buffer reuse) so read() can return it: the per-node comparison mode. */
  readonly keepAll?: boolean;
  /**
   * Fuse the element-wise nodes after each linear layer (bias, affine maps, activation) into one epilogue
   * pass (src/graph/fuse.ts). Default true; false runs every node on its own (their values readable with keepAll).
   */
  readonly fuse?: boolean;
}

/** A layer's weights quantized by the caller (see LoadOptions.quantized). */
export interface PreQuantized {
  readonly w: QuantizedMatrix;
  /** Multiply the activation's columns by these before the product (a WaterSIC operand: Ŵ = Z·diag(s)). */
  readonly columnScales?: Float32Array;
}

/** A tensor the model returns. */
export interface OutputTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** What the loaded model holds and how it runs. */
export interface ModelReport {
  readonly layers: readonly LayerRecord[];
  /**
   * Runtime nodes, nodes folded at load, element-wise nodes fused into linear layers' epilogues, and
   * how many of those were BatchNormalizations.
   */
  readonly nodes: number;
  readonly folded: number;
  readonly batchNormsFolded: number;
  readonly fused: number;
  /** GPU bytes of the linear layers' weights as stored, and of the other constants (biases, depthwise kernels…). */
  readonly weightBytes: number;
  readonly constantBytes: number;
  /** GPU bytes of the activation buffers (the plan's peak), and what they would take without reuse. */
  readonly activationBytes: number;
  readonly activationBytesUnshared: number;
  /** Dispatches per forward pass. */
  readonly dispatches: number;
}

/** Time of one node, from profile(). */
export interface NodeTime {
  readonly name: string;
  readonly op: string;
  /** Median wall-clock milliseconds of the node's dispatches, submitted alone and waited for. */
  readonly ms: number;
}

const choose = (c: FormatChoice | undefined, layer: LinearLayer): QuantFormat | null => {
  const f =
    typeof c === 'function'
      ? c(layer)
      : Array.isArray(c)
        ? (c.find(([re]) => re.test(layer.name))?.[1] ?? null)
        : (c as Chosen | undefined);
  return f === null || f === undefined || f === 'f32' ? null : resolveFormat(f);
};

/**
 * An ONNX model loaded for one input shape and kept on the GPU — weights quantized in GPU memory (any
 * registered format per linear layer), activations in a planned set of reusable buffers — and run as one
 * recorded forward pass with no read-back until the outputs. docs/graph.md.
 *
 * @example
 * ```ts
 * const net = await engine.loadOnnx(bytes, { inputs: { x: [1, 3, 48, 320] }, weights: 'int4-g32' });
 * const { 'softmax_11.tmp_0': probs } = await net.run({ x: image });
 * console.table(net.report().layers);
 * net.destroy();
 * ```
 */
export class GraphModel {
  private constructor(
    private readonly engine: Engine,
    readonly graph: ResolvedGraph,
    private readonly steps: readonly Step[],
    private readonly buffers: readonly GPUBuffer[],
    private readonly bufferOf: ReadonlyMap<string, GPUBuffer>,
    private readonly store: ModelStore,
    private readonly summary: ModelReport,
    /** [first, end) of each node's steps in `steps`. */
    private readonly stepSpans: readonly (readonly [number, number])[],
  ) {}

  private times: NodeTime[] | null = null;

  /** Loads `bytes` (an ONNX model) for the given input shapes; see LoadOptions. */
  static load(engine: Engine, bytes: Uint8Array, options: LoadOptions): Promise<GraphModel> {
    return GraphModel.fromGraph(engine, readOnnxGraph(bytes), options);
  }

  /** Loads a parsed graph (readOnnxGraph, or one built in code) for the given input shapes. */
  static async fromGraph(engine: Engine, onnx: OnnxGraph, options: LoadOptions): Promise<GraphModel> {
    const resolved = resolveGraph(onnx, options.inputs);
    const fusion =
      options.fuse === false ? { nodes: resolved.nodes, fused: 0, batchNorms: 0 } : fuseEpilogues(resolved);
    const graph: ResolvedGraph = { ...resolved, nodes: fusion.nodes };
    const runner = engine.runner;
    const store = new ModelStore(engine, options.quantized);
    const layers: LayerRecord[] = [];
    const ctx: LowerContext = {
      runner,
      plan: engine,
      constant: (v) => store.constant(v),
      meta: (words) => store.meta(words),
      floats: (data, what) => store.floats(data, what),
      weightFormat: (layer) => store.preQuantized(layer)?.w.format ?? choose(options.weights, layer),
      columnScaled: (layer) => !!store.preQuantized(layer)?.columnScales,
      activationFormat: (layer) => choose(options.activations, layer),
      weight: (layer, w, format) => store.weight(layer, w, format),
      record: (r) => layers.push(r),
    };
    const lowered: LoweredNode[] = graph.nodes.map((n) => lowerNode(ctx, n, SUPPORTED_OPS));

    // Activations: one plan of reusable exact-size buffers for every value and scratch of the pass.
    const { items, rootOf } = passLifetimes(graph, lowered, !!options.keepAll);
    const plan = planBuffers(items);
    const buffers = plan.slots.map((bytes, s) => runner.allocate(Math.max(4, bytes), `activations ${s}`, false, true));
    const bufferOf = new Map([...plan.slotOf].map(([k, s]) => [k, buffers[s]]));
    const buf = (v: Value | null) => (v && !v.constant ? bufferOf.get(rootOf(v.name))! : null);

    const steps: Step[] = [];
    const spans: [number, number][] = [];
    for (const [i, n] of graph.nodes.entries()) {
      const io = {
        inputs: n.inputs.map(buf),
        outputs: n.outputs.map((v) => buf(v)!),
        scratch: lowered[i].scratch.map((_b, j) => bufferOf.get(scratchKey(i, j))!),
      };
      const start = steps.length;
      steps.push(...(await lowered[i].build(io)));
      spans.push([start, steps.length]);
    }
    const report: ModelReport = {
      layers: layers.map((l) => ({
        ...l,
        weightBytes: store.layers.get(l.name)?.bytes ?? 0,
        weightNmse: store.layers.get(l.name)?.nmse ?? 0,
      })),
      nodes: graph.nodes.length,
      folded: graph.folded,
      batchNormsFolded: fusion.batchNorms,
      fused: fusion.fused,
      weightBytes: store.weightBytes,
      constantBytes: store.constantBytes,
      activationBytes: plan.peakBytes,
      activationBytesUnshared: plan.unsharedBytes,
      dispatches: steps.length,
    };
    const byName = new Map<string, GPUBuffer>();
    const exposed = options.keepAll ? [...graph.values.values()] : [...graph.inputs, ...graph.outputs];
    for (const v of exposed)
      if (!v.constant && bufferOf.has(rootOf(v.name))) byName.set(v.name, bufferOf.get(rootOf(v.name))!);
    return new GraphModel(engine, graph, steps, buffers, byName, store, report, spans);
  }

  /** Runs the model on `inputs` (f32 values by input name, shapes as loaded); returns every graph output. */
  async run(inputs: Readonly<Record<string, Float32Array>>): Promise<Record<string, OutputTensor>> {
    const runner = this.engine.runner;
    for (const v of this.graph.inputs) {
      const data = Object.hasOwn(inputs, v.name) ? inputs[v.name] : undefined;
      if (!data || data.length !== numel(v.dims))
        throw new ShapeError(
          `input ${JSON.stringify(v.name)} needs ${numel(v.dims)} values for ${JSON.stringify(v.dims)}, got ` +
            `${data?.length ?? 'none'}`,
        );
      runner.device.queue.writeBuffer(this.bufferOf.get(v.name)!, 0, data as Float32Array<ArrayBuffer>);
    }
    await runner.run('forward', this.steps);
    const out: Record<string, OutputTensor> = {};
    for (const v of this.graph.outputs) {
      const data = v.constant
        ? asFloats(v.constant)
        : new Float32Array(await runner.read(this.bufferOf.get(v.name)!, numel(v.dims) * 4, `output ${v.name}`));
      out[v.name] = { dims: v.dims, data };
    }
    return out;
  }

  /**
   * A linear layer's weights as the runner multiplies them, W rows × cols (LinearLayer): the f32 values,
   * or what the stored codes decode to (times the column scales of a WaterSIC operand).
   */
  async layerWeight(name: string): Promise<Matrix> {
    const lw = this.store.layers.get(name);
    if (!lw) throw new ShapeError(`the model has no linear layer ${JSON.stringify(name)}`);
    const { rows, cols } = lw.layer;
    if (lw.operand instanceof GpuMatrix) return { rows, cols, data: await this.engine.read(lw.operand) };
    const q = lw.operand as GpuQuantizedMatrix;
    const data = q.format.decode(await this.engine.readQuantized(q)).data;
    if (lw.columnScales)
      for (let i = 0; i < data.length; i++) data[i] = Math.fround(data[i] * lw.columnScales[i % cols]);
    return { rows, cols, data };
  }

  /**
   * The weights the runner multiplies, as values for the model's own initializers (ONNX layout: MatMul
   * [K, N], Conv [O, I, kh, kw], ConvTranspose [C, O, kh, kw]): swapped into the model file, they make any
   * ONNX runtime compute what this runner computes (the check of the decoded-weights runs).
   */
  async decodedInitializers(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, lw] of this.store.layers) {
      const w = await this.layerWeight(name);
      const { op, rows, cols } = lw.layer;
      let v = w.data;
      if (op === 'MatMul') {
        v = new Float32Array(rows * cols);
        for (let n = 0; n < rows; n++) for (let k = 0; k < cols; k++) v[k * rows + n] = w.data[n * cols + k];
      } else if (op === 'ConvTranspose') {
        v = new Float32Array(rows * cols);
        for (let c = 0; c < cols; c++) for (let j = 0; j < rows; j++) v[c * rows + j] = w.data[j * cols + c];
      }
      out.set(lw.layer.weight, v);
    }
    return out;
  }

  /** A tensor of the last run: an output, or with `keepAll` any intermediate value. */
  async read(name: string): Promise<OutputTensor> {
    const v = this.graph.values.get(name);
    const b = this.bufferOf.get(name);
    if (!v || (!b && !v.constant))
      throw new ShapeError(
        `the model keeps no tensor ${JSON.stringify(name)}${v ? ' (load with keepAll to read intermediates)' : ''}`,
      );
    const data = v.constant
      ? asFloats(v.constant)
      : new Float32Array(await this.engine.runner.read(b!, numel(v.dims) * 4, name));
    return { dims: v.dims, data };
  }

  /**
   * Times every node: runs the model on `inputs` `reps` times with each node's dispatches submitted on
   * their own and waited for (slower than run(), which records one pass; the split shows where time goes).
   * Returns per-node medians in graph order; report() then carries each linear layer's time.
   */
  async profile(inputs: Readonly<Record<string, Float32Array>>, reps = 3): Promise<NodeTime[]> {
    await this.run(inputs);
    const runner = this.engine.runner;
    const samples = this.stepSpans.map(() => [] as number[]);
    for (let r = 0; r < reps; r++)
      for (const [i, [a, b]] of this.stepSpans.entries()) {
        if (a === b) continue;
        const t0 = performance.now();
        await runner.run(`profile ${i}`, this.steps.slice(a, b));
        await runner.sync();
        samples[i].push(performance.now() - t0);
      }
    const median = (v: number[]) => (v.length ? [...v].sort((x, y) => x - y)[v.length >> 1] : 0);
    this.times = this.graph.nodes.map((n, i) => ({
      name: n.node.name || n.outputs[0].name,
      op: n.node.op,
      ms: median(samples[i]),
    }));
    return this.times;
  }

  /**
   * The layers (format, stored bytes, weight NMSE, matmul path; time after profile()) and the memory the
   * model holds.
   */
  report(): ModelReport {
    if (!this.times) return this.summary;
    const ms = new Map(this.times.map((t) => [t.name, t.ms]));
    return { ...this.summary, layers: this.summary.layers.map((l) => ({ ...l, ms: ms.get(l.name) })) };
  }

  /** Frees the weights, constants and activation buffers. */
  destroy(): void {
    this.store.destroy();
    for (const b of this.buffers) this.engine.runner.release(b);
  }
}
