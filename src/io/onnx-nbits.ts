/**
 * An ONNX model's MatMuls as onnxruntime's `com.microsoft.MatMulNBits`: every MatMul whose second input
 * is a 2-D f32 initializer [K, N] becomes a MatMulNBits node whose weights are the codes and scales of an
 * engine INT format — 2, 4 or 8 bits, groups of a power of two ≥ 16 along K (the op's block_size),
 * symmetric (the op's default zero point 2^(bits−1)) or asymmetric (zero points written) — so onnxruntime
 * computes with exactly the weights the format decodes to. The codes may come from a calibrated method
 * (GPTQ, WaterSIC's INT codes) through `quantize`. The rest of the file is copied field by field.
 * docs/graph.md, *MatMulNBits*; docs/interop.md.
 */
import { FormatError } from '../errors.js';
import { unpackCode } from '../formats/bitpack.js';
import type { QuantFormat, QuantizedMatrix } from '../formats/format.js';
import { IntFormat } from '../formats/int.js';
import { resolveFormat } from '../formats/registry.js';
import type { Matrix } from '../matrix.js';
import { readOnnxGraph } from './onnx-graph.js';
import { readOnnxWeights, weightMatrix } from './onnx.js';
import { WIRE_LEN, ProtoReader } from './protobuf.js';
import { intAttribute, ONNX_FLOAT, ONNX_UINT8, ProtoWriter, tensorProto } from './proto-writer.js';

const MS_DOMAIN = 'com.microsoft';

/** One converted layer: the MatMul node's name and its weight initializer. */
export interface NBitsLayer {
  readonly node: string;
  readonly weight: string;
  readonly K: number;
  readonly N: number;
}

/** Options of toMatMulNBits. */
export interface NBitsOptions {
  /** An INT format of 2, 4 or 8 bits with groups of a power of two ≥ 16 (default `int4-g32`). */
  format?: QuantFormat | string;
  /** MatMulNBits' `accuracy_level` (0–4: the precision ORT may compute in), written when given. */
  accuracyLevel?: number;
  /** The codes of each layer's W (N×K) in `format` (e.g. GPTQ-calibrated); default `format.encode(W)`. */
  quantize?: (w: Matrix, layer: NBitsLayer) => QuantizedMatrix;
  /**
   * Per-input scales s (K) of a layer whose weight is Ŵ = codes·diag(s) (WaterSIC: `nbitsOperand` in
   * src/weightonly/operand.ts): a `Mul` by s is put on the activations ahead of its MatMulNBits.
   */
  columnScales?: (layer: NBitsLayer) => Float32Array | null;
}

/** The INT format MatMulNBits can hold (its bits and block), or a FormatError saying why not. */
export function nbitsFormat(f: QuantFormat | string): { format: IntFormat; bits: number; block: number } {
  const format = resolveFormat(f);
  if (!(format instanceof IntFormat))
    throw new FormatError(`MatMulNBits holds INT codes (int2/int4/int8, groups of 16, 32, 64…); got ${format.id}`);
  const { bits, group } = format.params;
  if (bits !== 2 && bits !== 4 && bits !== 8)
    throw new FormatError(`MatMulNBits takes 2, 4 or 8 bits; ${format.id} has ${bits}`);
  if (group === 'row' || group < 16 || (group & (group - 1)) !== 0)
    throw new FormatError(`MatMulNBits' block_size is a power of two ≥ 16; ${format.id} has groups of ${group}`);
  return { format, bits, block: group };
}

/**
 * MatMulNBits' B [N, blocks, block·bits/8] (fields low bits first, as the engine packs them), scales
 * [N·blocks] and, for an asymmetric format, zero points [N, ⌈blocks·bits/8⌉]. Entries past K take the
 * code whose value is 0 (the last group's zero point).
 */
function nbitsWeights(q: QuantizedMatrix, f: IntFormat, bits: number, block: number) {
  const { rows: N, cols: K } = q;
  const blocks = Math.ceil(K / block);
  const blob = (block * bits) / 8;
  const b = new Uint8Array(N * blocks * blob);
  const scales = new Float32Array(N * blocks);
  const zpBytes = Math.ceil((blocks * bits) / 8);
  const zeroPoints = f.params.symmetric ? null : new Uint8Array(N * zpBytes);
  const { codes: cw, aux: aw } = q.layout.wordsPerRow;
  const perByte = 8 / bits;
  for (let n = 0; n < N; n++) {
    const zOf = (g: number) => (zeroPoints ? unpackCode(q.aux, n * aw, g, bits) : 2 ** (bits - 1));
    for (let k = 0; k < blocks * block; k++) {
      const code = k < K ? unpackCode(q.codes, n * cw, k, bits) : zOf(blocks - 1);
      b[n * blocks * blob + Math.floor(k / perByte)] |= code << (bits * (k % perByte));
    }
    for (let g = 0; g < blocks; g++) {
      scales[n * blocks + g] = f.scaleOf(q, n, g);
      if (zeroPoints) zeroPoints[n * zpBytes + Math.floor(g / perByte)] |= zOf(g) << (bits * (g % perByte));
    }
  }
  return { b, blob, scales, zeroPoints, zpBytes };
}

const text = (r: ProtoReader, start: number, end: number) => new TextDecoder().decode(r.bytes.subarray(start, end));

/**
 * A copy of `bytes` with every MatMul on a 2-D f32 initializer as MatMulNBits in `options.format`
 * (default int4-g32); the old weights (initializers or Constant nodes) are dropped when nothing else
 * reads them.
 *
 * @example
 * const { bytes: q4 } = toMatMulNBits(model, 'model.onnx', { format: 'int4-g32', accuracyLevel: 4 });
 */
export function toMatMulNBits(
  bytes: Uint8Array,
  what = 'ONNX model',
  options: NBitsOptions = {},
): { bytes: Uint8Array; layers: NBitsLayer[] } {
  const { format, bits, block } = nbitsFormat(options.format ?? 'int4-g32');
  const level = options.accuracyLevel;
  if (level !== undefined && !(Number.isInteger(level) && level >= 0 && level <= 4))
    throw new FormatError(`accuracy_level must be 0, 1, 2, 3 or 4; got ${level}`);
  const graph = readOnnxGraph(bytes, what);
  const weights = new Map(readOnnxWeights(bytes, what).map((t) => [t.name, t]));
  const uses = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  const targets = new Map<number, NBitsLayer>();
  graph.nodes.forEach((n, i) => {
    const t = weights.get(n.inputs[1]);
    if (n.op === 'MatMul' && (n.domain === '' || n.domain === 'ai.onnx') && t?.dims.length === 2)
      targets.set(i, { node: n.name || n.outputs[0], weight: t.name, K: t.dims[0], N: t.dims[1] });
  });
  const dropped = new Set([...targets.values()].map((l) => l.weight).filter((w) => uses.get(w) === 1));
  const nbitsAttrs = { bits, block, zeroPoints: !format.params.symmetric, level };
  const colScales = new Map<string, Float32Array>();
  for (const l of targets.values()) {
    const cs = options.columnScales?.(l);
    if (!cs) continue;
    if (cs.length !== l.K) throw new FormatError(`${l.weight}: ${cs.length} column scales for K = ${l.K}`);
    colScales.set(l.weight, cs);
  }

  const r = new ProtoReader(bytes, what);
  const model = new ProtoWriterRaw();
  let hasMsOpset = false;
  let keyStart = 0;
  for (const f of r.fields(0, bytes.length, 'ModelProto')) {
    if (f.no === 8 && f.wire === WIRE_LEN)
      for (const g of r.fields(f.start, f.end, 'OperatorSetIdProto'))
        if (g.no === 1 && g.wire === WIRE_LEN && text(r, g.start, g.end) === MS_DOMAIN) hasMsOpset = true;
    if (f.no !== 7 || f.wire !== WIRE_LEN) {
      model.raw(bytes.subarray(keyStart, f.end));
      keyStart = f.end;
      continue;
    }
    const g = new ProtoWriterRaw();
    let gKey = f.start;
    let nodeIndex = 0;
    for (const h of r.fields(f.start, f.end, 'GraphProto')) {
      const verbatim = bytes.subarray(gKey, h.end);
      gKey = h.end;
      if (h.no === 1 && h.wire === WIRE_LEN) {
        const node = graph.nodes[nodeIndex];
        const layer = targets.get(nodeIndex++);
        // A Constant node that only fed a converted MatMul goes with it (paddle2onnx stores weights so).
        if (node.op === 'Constant' && node.outputs.every((o) => dropped.has(o))) continue;
        const cs = layer ? colScales.get(layer.weight) : undefined;
        if (layer && cs) {
          // A' = A ⊙ s (broadcast over the last axis, K), then MatMulNBits on A'
          const scaled = `${layer.weight}#scaled_input`;
          const mul = new ProtoWriter()
            .string(1, node.inputs[0])
            .string(1, `${layer.weight}#column_scales`)
            .string(2, scaled)
            .string(3, `${node.name || node.outputs[0]}#column_scales`)
            .string(4, 'Mul');
          g.raw(mul.finishAsField(1));
          g.raw(nbitsNode({ ...node, inputs: [scaled, ...node.inputs.slice(1)] }, layer, nbitsAttrs).finishAsField(1));
        } else g.raw(layer ? nbitsNode(node, layer, nbitsAttrs).finishAsField(1) : verbatim);
      } else if (h.no === 5 && h.wire === WIRE_LEN) {
        let name = '';
        for (const t of r.fields(h.start, h.end, 'TensorProto'))
          if (t.no === 8 && t.wire === WIRE_LEN) name = text(r, t.start, t.end);
        if (!dropped.has(name)) g.raw(verbatim);
      } else g.raw(verbatim);
    }
    for (const layer of targets.values()) {
      const w = weightMatrix(weights.get(layer.weight)!);
      const q = options.quantize ? options.quantize(w, layer) : format.encode(w);
      if (q.format.id !== format.id || q.rows !== layer.N || q.cols !== layer.K)
        throw new FormatError(
          `${layer.weight}: quantize gave ${q.format.id} ${q.rows}×${q.cols}, expected ` +
            `${format.id} ${layer.N}×${layer.K}`,
        );
      const { b, blob, scales, zeroPoints, zpBytes } = nbitsWeights(q, format, bits, block);
      const blocks = Math.ceil(layer.K / block);
      g.raw(tensorProto(`${layer.weight}#nbits`, [layer.N, blocks, blob], ONNX_UINT8, b).finishAsField(5));
      g.raw(
        tensorProto(
          `${layer.weight}#scales`,
          [layer.N * blocks],
          ONNX_FLOAT,
          new Uint8Array(scales.buffer, scales.byteOffset, scales.byteLength),
        ).finishAsField(5),
      );
      if (zeroPoints)
        g.raw(tensorProto(`${layer.weight}#zp`, [layer.N * zpBytes], ONNX_UINT8, zeroPoints).finishAsField(5));
      const cs = colScales.get(layer.weight);
      if (cs)
        g.raw(
          tensorProto(
            `${layer.weight}#column_scales`,
            [layer.K],
            ONNX_FLOAT,
            new Uint8Array(cs.buffer, cs.byteOffset, cs.byteLength),
          ).finishAsField(5),
        );
    }
    model.raw(new ProtoWriter().bytes(7, g.finish()).finish());
    keyStart = f.end;
  }
  if (!hasMsOpset && targets.size)
    model.raw(new ProtoWriter().message(8, new ProtoWriter().string(1, MS_DOMAIN).int(2, 1)).finish());
  return { bytes: model.finish(), layers: [...targets.values()] };
}

function nbitsNode(
  n: { name: string; inputs: readonly string[]; outputs: readonly string[] },
  l: NBitsLayer,
  o: { bits: number; block: number; zeroPoints: boolean; level?: number },
) {
  const node = new ProtoWriter().string(1, n.inputs[0]).string(1, `${l.weight}#nbits`).string(1, `${l.weight}#scales`);
  if (o.zeroPoints) node.string(1, `${l.weight}#zp`);
  for (const out of n.outputs) node.string(2, out);
  node
    .string(3, n.name || `${n.outputs[0]}#nbits`)
    .string(4, 'MatMulNBits')
    .string(7, MS_DOMAIN)
    .message(5, intAttribute('K', l.K))
    .message(5, intAttribute('N', l.N))
    .message(5, intAttribute('bits', o.bits))
    .message(5, intAttribute('block_size', o.block));
  if (o.level !== undefined) node.message(5, intAttribute('accuracy_level', o.level));
  return node;
}

/** Concatenated raw byte runs (fields copied verbatim or written elsewhere). */
class ProtoWriterRaw {
  private readonly parts: Uint8Array[] = [];
  raw(b: Uint8Array): void {
    this.parts.push(b);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}
