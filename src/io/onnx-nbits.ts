/**
 * An ONNX model's MatMuls as onnxruntime's `com.microsoft.MatMulNBits` (4-bit, blocks of 32 along K):
 * every MatMul whose second input is a 2-D f32 initializer [K, N] becomes a MatMulNBits node whose
 * weights are the engine's int4-g32 codes and f16 scales (symmetric: value (q − 8)·scale, the op's
 * default zero point), so onnxruntime computes with exactly the weights int4-g32 decodes to. The rest
 * of the file is copied field by field. docs/graph.md, *MatMulNBits*.
 */
import { f16BitsToF32 } from '../formats/f16.js';
import { parseFormat } from '../formats/registry.js';
import { readOnnxGraph } from './onnx-graph.js';
import { readOnnxWeights, weightMatrix } from './onnx.js';
import { WIRE_LEN, ProtoReader } from './protobuf.js';
import { intAttribute, ONNX_FLOAT, ONNX_UINT8, ProtoWriter, tensorProto } from './proto-writer.js';

const BLOCK = 32;
const MS_DOMAIN = 'com.microsoft';

/** One converted layer: the MatMul node's name and its weight initializer. */
export interface NBitsLayer {
  readonly node: string;
  readonly weight: string;
  readonly K: number;
  readonly N: number;
}

/** MatMulNBits' B [N, ⌈K/32⌉, 16] and scales [N·⌈K/32⌉] for W (N×K) as int4-g32 codes it. */
function nbitsWeights(w: { rows: number; cols: number; data: Float32Array }): { b: Uint8Array; scales: Float32Array } {
  const format = parseFormat('int4-g32');
  const q = format.encode(w);
  const { rows: N, cols: K } = w;
  const blocks = Math.ceil(K / BLOCK);
  const b = new Uint8Array(N * blocks * 16).fill(0x88); // padding past K: code 8, value 0
  const scales = new Float32Array(N * blocks);
  const { codes: cw, scales: sw } = q.layout.wordsPerRow;
  const codeBytes = new Uint8Array(q.codes.buffer, q.codes.byteOffset, q.codes.byteLength);
  for (let n = 0; n < N; n++) {
    // Nibbles low-first in little-endian words: the row's bytes are MatMulNBits' blob, K/2 of them.
    b.set(codeBytes.subarray(4 * n * cw, 4 * n * cw + Math.ceil(K / 2)), n * blocks * 16);
    if (K % 2) b[n * blocks * 16 + (K >> 1)] = (b[n * blocks * 16 + (K >> 1)] & 0x0f) | 0x80;
    for (let g = 0; g < blocks; g++)
      scales[n * blocks + g] = f16BitsToF32((q.scales[n * sw + (g >> 1)] >>> (16 * (g & 1))) & 0xffff);
  }
  return { b, scales };
}

const text = (r: ProtoReader, start: number, end: number) => new TextDecoder().decode(r.bytes.subarray(start, end));

/**
 * A copy of `bytes` with every MatMul on a 2-D f32 initializer as MatMulNBits (bits 4, block_size 32),
 * its weights int4-g32's; the old weights (initializers or Constant nodes) are dropped when nothing else
 * reads them.
 */
export function toMatMulNBits(bytes: Uint8Array, what = 'ONNX model'): { bytes: Uint8Array; layers: NBitsLayer[] } {
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
        g.raw(layer ? nbitsNode(node, layer).finishAsField(1) : verbatim);
      } else if (h.no === 5 && h.wire === WIRE_LEN) {
        let name = '';
        for (const t of r.fields(h.start, h.end, 'TensorProto'))
          if (t.no === 8 && t.wire === WIRE_LEN) name = text(r, t.start, t.end);
        if (!dropped.has(name)) g.raw(verbatim);
      } else g.raw(verbatim);
    }
    for (const layer of targets.values()) {
      const t = weights.get(layer.weight)!;
      const { b, scales } = nbitsWeights(weightMatrix(t));
      const blocks = Math.ceil(layer.K / BLOCK);
      g.raw(tensorProto(`${layer.weight}#nbits`, [layer.N, blocks, 16], ONNX_UINT8, b).finishAsField(5));
      g.raw(
        tensorProto(
          `${layer.weight}#scales`,
          [layer.N * blocks],
          ONNX_FLOAT,
          new Uint8Array(scales.buffer, scales.byteOffset, scales.byteLength),
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

function nbitsNode(n: { name: string; inputs: readonly string[]; outputs: readonly string[] }, l: NBitsLayer) {
  const node = new ProtoWriter().string(1, n.inputs[0]).string(1, `${l.weight}#nbits`).string(1, `${l.weight}#scales`);
  for (const o of n.outputs) node.string(2, o);
  return node
    .string(3, n.name || `${n.outputs[0]}#nbits`)
    .string(4, 'MatMulNBits')
    .string(7, MS_DOMAIN)
    .message(5, intAttribute('K', l.K))
    .message(5, intAttribute('N', l.N))
    .message(5, intAttribute('bits', 4))
    .message(5, intAttribute('block_size', BLOCK));
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
