/**
 * Resolving a graph for one input shape: every value gets its static shape, constant subgraphs (shape
 * arithmetic, Constant nodes) are evaluated on the CPU and disappear, bias Adds after a Conv join its
 * bias (BatchNormalization joins the conv's epilogue later: fuse.ts), and what is left is the list of
 * nodes that run on the GPU, in graph (topological) order.
 */
import { ShapeError, UnsupportedOpError } from '../errors.js';
import type { GraphNode, OnnxGraph } from '../io/onnx-graph.js';
import { asFloats, f32Tensor, type HostTensor, numel } from './host.js';
import { Attrs, OPS, type OpDef, type OpInput } from './ops.js';

/** A value of the resolved graph: its static shape, and its contents when known at load. */
export interface Value {
  readonly name: string;
  readonly dims: readonly number[];
  readonly constant?: HostTensor;
}

/** A node that runs at run time. */
export interface RuntimeNode {
  readonly node: GraphNode;
  readonly def: OpDef;
  /** Attributes, input shapes and constant inputs, as the op's shape and CPU functions take them. */
  readonly x: OpInput;
  /** Input values ('' entries: omitted optional inputs); constants among them are fed from the host. */
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
}

export interface ResolvedGraph {
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly nodes: readonly RuntimeNode[];
  readonly values: ReadonlyMap<string, Value>;
  /** Nodes evaluated at load. */
  readonly folded: number;
}

/** The operators the runner supports (what an UnsupportedOpError lists). */
export const SUPPORTED_OPS: readonly string[] = [...OPS.keys()].sort();

/** Resolves `graph` for the given input shapes (every graph input must be given). */
export function resolveGraph(graph: OnnxGraph, inputDims: Readonly<Record<string, readonly number[]>>): ResolvedGraph {
  const values = new Map<string, Value>();
  for (const [name, t] of graph.tensors) values.set(name, { name, dims: [...t.dims], constant: hostOf(t) });
  const inputs: Value[] = [];
  for (const info of graph.inputs) {
    const dims = Object.hasOwn(inputDims, info.name) ? inputDims[info.name] : undefined;
    if (!dims)
      throw new ShapeError(
        `the model's input ${JSON.stringify(info.name)} needs a shape (declared ${JSON.stringify(info.dims)})`,
      );
    if (dims.length !== info.dims.length || info.dims.some((d, i) => typeof d === 'number' && d !== dims[i]))
      throw new ShapeError(
        `input ${JSON.stringify(info.name)}: shape ${JSON.stringify(dims)} does not fit the declared ` +
          `${JSON.stringify(info.dims)}`,
      );
    const v = { name: info.name, dims: [...dims] };
    values.set(info.name, v);
    inputs.push(v);
  }
  for (const name of Object.keys(inputDims))
    if (!graph.inputs.some((i) => i.name === name))
      throw new ShapeError(
        `the model has no input ${JSON.stringify(name)}; it has ${graph.inputs.map((i) => i.name).join(', ')}`,
      );
  const nodes: RuntimeNode[] = [];
  let folded = 0;
  for (const node of graph.nodes) {
    const where = `node ${JSON.stringify(node.name || node.outputs[0])} (${node.op})`;
    const def = node.domain === '' || node.domain === 'ai.onnx' ? OPS.get(node.op) : undefined;
    if (!def)
      throw new UnsupportedOpError(
        node.domain ? `${node.domain}.${node.op}` : node.op,
        node.name || node.outputs[0],
        SUPPORTED_OPS,
      );
    const ins = node.inputs.map((n) => {
      if (n === '') return null;
      const v = values.get(n);
      if (!v) throw new ShapeError(`${where}: input ${JSON.stringify(n)} is not produced by any earlier node`);
      return v;
    });
    const x: OpInput = {
      attrs: new Attrs(node.attributes, where),
      dims: ins.map((v) => v?.dims ?? []),
      consts: ins.map((v) => v?.constant),
      opset: graph.opset,
    };
    // Shape needs only dims; anything whose inputs are all known is evaluated now.
    if (node.op === 'Constant' || node.op === 'Shape' || ins.every((v) => v === null || v.constant)) {
      const outs = def.cpu(
        x,
        ins.map((v) => v?.constant ?? f32Tensor([0], new Float32Array(0))),
      );
      node.outputs.forEach((n, i) => {
        values.set(n, { name: n, dims: [...outs[i].dims], constant: outs[i] });
      });
      folded++;
      continue;
    }
    const outDims = def.infer(x);
    const outputs = node.outputs.map((n, i) => ({ name: n, dims: outDims[i] }));
    for (const v of outputs) values.set(v.name, v);
    nodes.push({ node, def, x, inputs: ins, outputs });
  }
  const outNames = graph.outputs.map((o) => o.name);
  const kept = foldBiasAdds(nodes, outNames);
  const outputs = graph.outputs.map((o) => {
    const v = values.get(o.name);
    if (!v) throw new ShapeError(`the model's output ${JSON.stringify(o.name)} is never produced`);
    return v;
  });
  return { inputs, outputs, nodes: kept, values, folded };
}

function hostOf(t: import('../io/onnx-graph.js').GraphTensor): HostTensor {
  return [1, 10, 11, 16].includes(t.onnxType)
    ? f32Tensor(t.dims, t.floats())
    : { kind: 'int', dims: t.dims, data: t.ints() };
}

/** How often each value is read (graph outputs count as a read). */
function useCounts(nodes: readonly RuntimeNode[], graphOutputs: readonly string[]): Map<string, number> {
  const uses = new Map<string, number>();
  for (const n of nodes) for (const v of n.inputs) if (v) uses.set(v.name, (uses.get(v.name) ?? 0) + 1);
  for (const o of graphOutputs) uses.set(o, (uses.get(o) ?? 0) + 1);
  return uses;
}

/** The node that replaces `conv` with bias `bias` and the outputs of the node folded into it. */
function withBias(conv: RuntimeNode, bias: Float32Array, outputs: readonly Value[], tag: string): RuntimeNode {
  const bv: Value = {
    name: `${conv.node.name || conv.outputs[0].name}#${tag}`,
    dims: [bias.length],
    constant: f32Tensor([bias.length], bias),
  };
  const inputs = [conv.inputs[0], conv.inputs[1], bv];
  return {
    ...conv,
    inputs,
    outputs,
    x: { ...conv.x, dims: inputs.map((v) => v?.dims ?? []), consts: inputs.map((v) => v?.constant) },
  };
}

/**
 * Conv or ConvTranspose → Add of a per-channel constant (an exporter's separate bias), where the conv's
 * output feeds only the Add: the constant joins the conv's bias and the Add disappears.
 */
function foldBiasAdds(nodes: RuntimeNode[], graphOutputs: readonly string[]): RuntimeNode[] {
  const uses = useCounts(nodes, graphOutputs);
  const producer = new Map(nodes.flatMap((n) => n.outputs.map((v) => [v.name, n] as const)));
  const replaced = new Map<RuntimeNode, RuntimeNode>();
  const dropped = new Set<RuntimeNode>();
  for (const add of nodes) {
    if (add.node.op !== 'Add') continue;
    const [a, b] = add.inputs;
    const [act, k] = a?.constant ? [b, a] : [a, b];
    const conv = act ? producer.get(act.name) : undefined;
    if (
      !act ||
      !k?.constant ||
      !conv ||
      replaced.has(conv) ||
      !['Conv', 'ConvTranspose'].includes(conv.node.op) ||
      uses.get(act.name) !== 1
    )
      continue;
    const channels = act.dims[1];
    // A per-channel constant: [C], [C, 1, 1] or [1, C, 1, 1] against the NCHW output.
    const shape = [...k.dims];
    while (shape.length && shape[0] === 1 && shape.length > act.dims.length - 1) shape.shift();
    if (
      numel(k.dims) !== channels ||
      shape[0] !== channels ||
      shape.slice(1).some((d) => d !== 1) ||
      shape.length > act.dims.length - 1
    )
      continue;
    const extra = asFloats(k.constant);
    const old = conv.inputs[2]?.constant ? asFloats(conv.inputs[2].constant) : new Float32Array(channels);
    replaced.set(
      conv,
      withBias(
        conv,
        Float32Array.from(old, (v, i) => v + extra[i]),
        add.outputs,
        'bias',
      ),
    );
    dropped.add(add);
  }
  return nodes.filter((n) => !dropped.has(n)).map((n) => replaced.get(n) ?? n);
}
