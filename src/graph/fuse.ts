/**
 * Epilogue fusion (docs/graph.md, *Fusion*): the element-wise nodes that follow a linear layer —
 * the bias, a BatchNormalization, a LearnableAffineBlock's scalar Mul and Add, an activation (Relu,
 * Clip, HardSigmoid, Sigmoid, or the gated forms x·clip(x + a) and x·σ(x) that exporters write as four
 * or two nodes) and another affine map after it — are taken into the layer as one epilogue the GPU
 * applies in a single pass:
 *
 *   y = post(act(pre(v)))   pre, post: v·s[c] + t[c] per channel c;  act: U(v + a) or v·U(v + a)
 *
 * Only values read by nothing else (and not graph outputs) are fused, and only constants that are scalars
 * or per-channel vectors, so the fused node computes what the nodes did, up to the rounding of composing
 * the affine maps (one multiply-add instead of several).
 */
import { asFloats, numel } from './host.js';
import { unaryParams } from './ops.js';
import type { ResolvedGraph, RuntimeNode, Value } from './resolve.js';

/** The activation of an epilogue: U(v + a), times v when `gated`. */
export interface EpilogueActivation {
  readonly op: 'Relu' | 'Clip' | 'HardSigmoid' | 'Sigmoid';
  /** U's parameters (Clip: lo, hi; HardSigmoid: α, β). */
  readonly params: readonly [number, number];
  /** Added before U (hard-swish's +3). */
  readonly shift: number;
  readonly gated: boolean;
}

/** Per-channel affine maps and an activation applied to a linear layer's output. */
export interface Epilogue {
  /** Which axis indexes the channel: 1 of an NCHW conv output, or the last axis of a MatMul's. */
  readonly axis: 'channel' | 'last';
  readonly channels: number;
  /** v·preScale[c] + preShift[c] (the layer's bias is in preShift). */
  readonly preScale: Float32Array;
  readonly preShift: Float32Array;
  readonly activation: EpilogueActivation | null;
  /** After the activation; null when there is none. */
  readonly post: { readonly scale: Float32Array; readonly shift: Float32Array } | null;
  /** Names of the nodes fused into the layer. */
  readonly fused: readonly string[];
}

/** A resolved node, possibly with an epilogue (then its outputs are those of the last node fused). */
export interface FusedNode extends RuntimeNode {
  readonly epilogue?: Epilogue;
}

const ACTIVATIONS = new Set(['Relu', 'Clip', 'HardSigmoid', 'Sigmoid']);
const nodeName = (n: RuntimeNode) => n.node.name || n.outputs[0].name;

/** The per-channel values of constant `k` against a tensor of `dims` (channel on `axis`), or null. */
function perChannel(k: Value, dims: readonly number[], axis: number): Float32Array | null {
  const c = dims[axis];
  const v = asFloats(k.constant!);
  if (numel(k.dims) === 1) return new Float32Array(c).fill(v[0]);
  // Broadcast shapes that vary along the channel axis only: right-aligned, 1 everywhere else.
  if (k.dims.length > dims.length || numel(k.dims) !== c) return null;
  const at = axis - (dims.length - k.dims.length);
  if (at < 0 || k.dims[at] !== c) return null;
  return v.slice();
}

interface Affine {
  scale: Float32Array;
  shift: Float32Array;
}

/** Composes `node` (v ∘ k with a constant k) into the affine map; false when it is not such a node. */
function composeAffine(m: Affine, node: RuntimeNode, v: Value, dims: readonly number[], axis: number): boolean {
  const op = node.node.op;
  if (op === 'BatchNormalization') return composeBatchNorm(m, node, v, axis);
  if (!['Add', 'Sub', 'Mul', 'Div'].includes(op) || node.inputs.length !== 2) return false;
  const [a, b] = node.inputs;
  const vFirst = a?.name === v.name;
  const k = vFirst ? b : a;
  if (!k?.constant || (vFirst ? a : b)?.name !== v.name) return false;
  if (node.outputs[0].dims.join() !== dims.join()) return false;
  const kc = perChannel(k, dims, axis);
  if (!kc) return false;
  const { scale, shift } = m;
  for (let c = 0; c < kc.length; c++) {
    if (op === 'Add') shift[c] += kc[c];
    else if (op === 'Mul') {
      scale[c] *= kc[c];
      shift[c] *= kc[c];
    } else if (op === 'Sub' && vFirst) shift[c] -= kc[c];
    else if (op === 'Sub') {
      scale[c] = -scale[c];
      shift[c] = kc[c] - shift[c];
    } else if (op === 'Div' && vFirst) {
      scale[c] /= kc[c];
      shift[c] /= kc[c];
    } else return false; // k / v is not affine
  }
  return true;
}

/**
 * BatchNormalization on channel axis 1: y = (v − μ)·γ/√(σ² + ε) + β per channel — an affine map, so a
 * conv's BN joins its epilogue and the conv keeps the model's own weights (those wqe quantizes).
 */
function composeBatchNorm(m: Affine, node: RuntimeNode, v: Value, axis: number): boolean {
  const [x, ...params] = node.inputs;
  if (axis !== 1 || x?.name !== v.name || params.length !== 4 || params.some((p) => !p?.constant)) return false;
  const eps = node.x.attrs.float('epsilon', 1e-5);
  const [gamma, beta, mean, variance] = params.map((p) => asFloats(p!.constant!));
  if (gamma.length !== m.scale.length) return false;
  for (let c = 0; c < gamma.length; c++) {
    const k = gamma[c] / Math.sqrt(variance[c] + eps);
    m.scale[c] *= k;
    m.shift[c] = (m.shift[c] - mean[c]) * k + beta[c];
  }
  return true;
}

/** True when `k` is a constant holding one value (any shape of one element). */
const scalarConst = (k: Value | null | undefined): number | null =>
  k?.constant && numel(k.dims) === 1 ? asFloats(k.constant)[0] : null;

/**
 * Fuses epilogues into Conv, ConvTranspose and MatMul-with-constant-weights nodes of `graph`. Returns the
 * node list to run (fused nodes carry `epilogue`) and how many nodes were fused away.
 */
export function fuseEpilogues(graph: ResolvedGraph): { nodes: FusedNode[]; fused: number; batchNorms: number } {
  const graphOutputs = new Set(graph.outputs.map((v) => v.name));
  const consumers = new Map<string, RuntimeNode[]>();
  for (const n of graph.nodes)
    for (const v of n.inputs) if (v && !v.constant) consumers.set(v.name, [...(consumers.get(v.name) ?? []), n]);
  const only = (v: Value): RuntimeNode | null => {
    const c = consumers.get(v.name) ?? [];
    return c.length === 1 && !graphOutputs.has(v.name) ? c[0] : null;
  };
  const dropped = new Set<RuntimeNode>();
  const out: FusedNode[] = [];
  for (const n of graph.nodes) {
    if (dropped.has(n)) continue;
    const op = n.node.op;
    const linear = op === 'Conv' || op === 'ConvTranspose' || (op === 'MatMul' && !!n.inputs[1]?.constant);
    if (!linear) {
      out.push(n);
      continue;
    }
    const dims = n.outputs[0].dims;
    const axis = op === 'MatMul' ? dims.length - 1 : 1;
    const C = dims[axis];
    const fused: RuntimeNode[] = [];
    let v = n.outputs[0];
    const pre: Affine = { scale: new Float32Array(C).fill(1), shift: new Float32Array(C) };
    let activation: EpilogueActivation | null = null;
    let post: Affine | null = null;
    const take = (node: RuntimeNode) => {
      fused.push(node);
      v = node.outputs[0];
    };
    for (;;) {
      const next = only(v);
      if (next && composeAffine(post ?? pre, next, v, dims, axis)) {
        take(next);
        continue;
      }
      if (activation) break;
      // A plain activation reads v alone; a gated one reads it twice (its chain's head and the Mul).
      const act = next ? activationAt(v, next) : gatedAt(v, consumers, graphOutputs, dims);
      if (!act) break;
      activation = act.activation;
      for (const f of act.nodes) take(f);
      post = { scale: new Float32Array(C).fill(1), shift: new Float32Array(C) };
    }
    if (!fused.length) {
      out.push(n);
      continue;
    }
    for (const f of fused) dropped.add(f);
    const identity = (m: Affine | null) => !m || (m.scale.every((s) => s === 1) && m.shift.every((t) => t === 0));
    out.push({
      ...n,
      outputs: [v],
      epilogue: {
        axis: op === 'MatMul' ? 'last' : 'channel',
        channels: C,
        preScale: pre.scale,
        preShift: pre.shift,
        activation,
        post: identity(post) ? null : post,
        fused: fused.map(nodeName),
      },
    });
  }
  const batchNorms = [...dropped].filter((n) => n.node.op === 'BatchNormalization').length;
  return { nodes: out, fused: dropped.size, batchNorms };
}

/** A plain activation node reading v (with its parameters), or null. */
function activationAt(v: Value, next: RuntimeNode): { activation: EpilogueActivation; nodes: RuntimeNode[] } | null {
  if (!ACTIVATIONS.has(next.node.op) || next.inputs[0]?.name !== v.name) return null;
  const op = next.node.op as EpilogueActivation['op'];
  return { activation: { op, params: unaryParams(op, next.x), shift: 0, gated: false }, nodes: [next] };
}

/**
 * The gated activations exporters spell out: v → [Add(v, a)] → U → Mul(v, ·), with v read by exactly
 * the chain's head and the Mul (hard-swish: a = 3, U = Clip(0, 6), then a Div by 6 the post map takes;
 * swish: U = Sigmoid).
 */
function gatedAt(
  v: Value,
  consumers: ReadonlyMap<string, RuntimeNode[]>,
  graphOutputs: ReadonlySet<string>,
  dims: readonly number[],
): { activation: EpilogueActivation; nodes: RuntimeNode[] } | null {
  const readers = consumers.get(v.name) ?? [];
  if (readers.length !== 2 || graphOutputs.has(v.name)) return null;
  const single = (x: Value) => {
    const c = consumers.get(x.name) ?? [];
    return c.length === 1 && !graphOutputs.has(x.name) ? c[0] : null;
  };
  for (const head of readers) {
    const mul = readers.find((r) => r !== head);
    if (mul?.node.op !== 'Mul') continue;
    let shift = 0;
    let u = head;
    const nodes: RuntimeNode[] = [];
    if (head.node.op === 'Add') {
      const [a, b] = head.inputs;
      const k = scalarConst(a?.name === v.name ? b : a);
      if (k === null || head.outputs[0].dims.join() !== dims.join()) continue;
      shift = k;
      nodes.push(head);
      const n2 = single(head.outputs[0]);
      if (!n2) continue;
      u = n2;
    }
    const inName = nodes.length ? nodes[0].outputs[0].name : v.name;
    if (!ACTIVATIONS.has(u.node.op) || u.inputs[0]?.name !== inName) continue;
    if (single(u.outputs[0]) !== mul) continue;
    const ins = mul.inputs.map((x) => x?.name);
    if (!(ins.includes(v.name) && ins.includes(u.outputs[0].name))) continue;
    if (mul.outputs[0].dims.join() !== dims.join()) continue;
    const op = u.node.op as EpilogueActivation['op'];
    return {
      activation: { op, params: unaryParams(op, u.x), shift, gated: true },
      nodes: [...nodes, u, mul],
    };
  }
  return null;
}
