/**
 * The whole ONNX graph for the graph runner: nodes with their attributes, every tensor (initializers and
 * Constant-node values, any dtype, decoded on demand), the graph's inputs and outputs with their
 * declared shapes, and the opset. Bounds-checked like the weights reader (onnx.ts): a truncated or
 * corrupt file is a CorruptFileError naming the field and byte offset.
 */
import { CorruptFileError, ShapeError } from '../errors.js';
import { ONNX_DTYPES, onnxTypeName, readTensor, tensorBytes, type RawTensor } from './onnx.js';
import { ProtoReader, WIRE_I32, WIRE_LEN, WIRE_VARINT, type Field } from './protobuf.js';
import { DTYPE_BYTES, widenFloats } from './safetensors.js';

/** An attribute value: numbers, strings, their lists, or a tensor. */
export type AttributeValue = number | string | number[] | string[] | GraphTensor;

/** A node of the graph. */
export interface GraphNode {
  readonly name: string;
  readonly op: string;
  /** '' for the default ONNX domain. */
  readonly domain: string;
  /** Input names ('' for an omitted optional input). */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, AttributeValue>;
}

/** A tensor stored in the model; its values are decoded when first asked for. */
export interface GraphTensor {
  readonly name: string;
  readonly dims: readonly number[];
  /** TensorProto.DataType (1 FLOAT, 7 INT64, 6 INT32, 9 BOOL…). */
  readonly onnxType: number;
  /** Float types as f32 values. */
  floats(): Float32Array;
  /** Integer and bool types as JS numbers (int64 values must be safe integers). */
  ints(): number[];
}

/** A declared graph input or output: its element type and dims (a number, or a symbolic name). */
export interface ValueInfo {
  readonly name: string;
  readonly elemType: number;
  readonly dims: readonly (number | string)[];
}

/** An ONNX model's graph as the runner reads it (readOnnxGraph). */
export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly GraphNode[];
  /** Initializers and Constant-node values by name. */
  readonly tensors: ReadonlyMap<string, GraphTensor>;
  /** Inputs the caller feeds (initializers listed as inputs are left out). */
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Opset version of the default domain. */
  readonly opset: number;
}

const FLOAT_TYPES = new Set([1, 10, 11, 16]);

function graphTensor(r: ProtoReader, raw: RawTensor, what: string): GraphTensor {
  const dtype = ONNX_DTYPES.get(raw.type) ?? null;
  let bytes: Uint8Array | null = null;
  const get = () => {
    if (!dtype)
      throw new ShapeError(`${what}: tensor ${raw.name} is ${onnxTypeName(raw.type)}, which the runner cannot read`);
    return (bytes ??= tensorBytes(r, raw, dtype));
  };
  const count = () => raw.dims.reduce((a, b) => a * b, 1);
  return {
    name: raw.name,
    dims: raw.dims,
    onnxType: raw.type,
    floats() {
      if (!FLOAT_TYPES.has(raw.type))
        throw new ShapeError(`${what}: tensor ${raw.name} is ${onnxTypeName(raw.type)}, not a float tensor`);
      return widenFloats(get(), dtype!, count());
    },
    ints() {
      if (FLOAT_TYPES.has(raw.type) || !dtype)
        throw new ShapeError(`${what}: tensor ${raw.name} is ${onnxTypeName(raw.type)}, not an integer tensor`);
      const b = get();
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const size = DTYPE_BYTES[dtype];
      const out: number[] = [];
      for (let i = 0; i < count(); i++) {
        let v: number;
        if (size === 8) {
          const big = dtype === 'U64' ? dv.getBigUint64(8 * i, true) : dv.getBigInt64(8 * i, true);
          v = Number(big);
          if (!Number.isSafeInteger(v))
            throw new CorruptFileError(what, `tensor ${raw.name}`, raw.at, `value ${big} is not a safe integer`);
        } else if (size === 4) v = dtype === 'U32' ? dv.getUint32(4 * i, true) : dv.getInt32(4 * i, true);
        else if (size === 2) v = dtype === 'U16' ? dv.getUint16(2 * i, true) : dv.getInt16(2 * i, true);
        else v = dtype === 'I8' ? dv.getInt8(i) : dv.getUint8(i);
        out.push(v);
      }
      return out;
    },
  };
}

/** Reads an AttributeProto: name=1, f=2, i=3, s=4, t=5, floats=7, ints=8, strings=9, type=20. */
function readAttribute(r: ProtoReader, a: Field, what: string): [string, AttributeValue] {
  let name = '';
  let type = 0;
  let f: number | undefined;
  let i: number | undefined;
  let s: string | undefined;
  let t: GraphTensor | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  const view = new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength);
  for (const g of r.fields(a.start, a.end, 'AttributeProto')) {
    if (g.no === 1 && g.wire === WIRE_LEN) name = r.string(g);
    else if (g.no === 20 && g.wire === WIRE_VARINT) type = g.value;
    else if (g.no === 2 && g.wire === WIRE_I32) f = view.getFloat32(g.start, true);
    else if (g.no === 3 && g.wire === WIRE_VARINT) i = signed(r, g);
    else if (g.no === 4 && g.wire === WIRE_LEN) s = r.string(g);
    else if (g.no === 5 && g.wire === WIRE_LEN) t = graphTensor(r, readTensor(r, g.start, g.end), what);
    else if (g.no === 7) {
      if (g.wire === WIRE_I32) floats.push(view.getFloat32(g.start, true));
      else if (g.wire === WIRE_LEN) for (let p = g.start; p + 4 <= g.end; p += 4) floats.push(view.getFloat32(p, true));
    } else if (g.no === 8) {
      if (g.wire === WIRE_VARINT) ints.push(signed(r, g));
      else if (g.wire === WIRE_LEN)
        for (let p = g.start; p < g.end; ) {
          const [v, q] = r.varintBig(p, g.end, `attribute ${name}.ints`);
          ints.push(Number(BigInt.asIntN(64, v)));
          p = q;
        }
    } else if (g.no === 9 && g.wire === WIRE_LEN) strings.push(r.string(g));
  }
  // AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7, STRINGS 8.
  const byType: Record<number, AttributeValue | undefined> = { 1: f, 2: i, 3: s, 4: t, 6: floats, 7: ints, 8: strings };
  let value = byType[type];
  if (value === undefined) value = f ?? i ?? s ?? t ?? (floats.length ? floats : ints.length ? ints : strings);
  return [name, value];
}

/** A varint field's value as a signed 64-bit number (the field's start is its key's). */
function signed(r: ProtoReader, g: Field): number {
  const [, valueAt] = r.varint(g.start, g.end, 'field key');
  return Number(BigInt.asIntN(64, r.varintBig(valueAt, g.end, 'int attribute')[0]));
}

/**
 * ValueInfoProto: name=1, type=2 → TypeProto.tensor_type=1 → elem_type=1, shape=2 → dim=1 → dim_value=1 | dim_param=2.
 */
function readValueInfo(r: ProtoReader, f: Field): ValueInfo {
  let name = '';
  let elemType = 0;
  const dims: (number | string)[] = [];
  for (const g of r.fields(f.start, f.end, 'ValueInfoProto')) {
    if (g.no === 1 && g.wire === WIRE_LEN) name = r.string(g);
    if (g.no !== 2 || g.wire !== WIRE_LEN) continue;
    for (const tt of r.fields(g.start, g.end, 'TypeProto')) {
      if (tt.no !== 1 || tt.wire !== WIRE_LEN) continue;
      for (const h of r.fields(tt.start, tt.end, 'TypeProto.Tensor')) {
        if (h.no === 1 && h.wire === WIRE_VARINT) elemType = h.value;
        if (h.no !== 2 || h.wire !== WIRE_LEN) continue;
        for (const d of r.fields(h.start, h.end, 'TensorShapeProto')) {
          if (d.no !== 1 || d.wire !== WIRE_LEN) continue;
          let dim: number | string = '?';
          for (const v of r.fields(d.start, d.end, 'Dimension')) {
            if (v.no === 1 && v.wire === WIRE_VARINT) dim = v.value;
            if (v.no === 2 && v.wire === WIRE_LEN) dim = r.string(v);
          }
          dims.push(dim);
        }
      }
    }
  }
  return { name, elemType, dims };
}

/** Parses the model's graph: nodes, tensors, inputs, outputs and the default-domain opset. */
export function readOnnxGraph(bytes: Uint8Array, what = 'ONNX model'): OnnxGraph {
  const r = new ProtoReader(bytes, what);
  let graph: Field | null = null;
  let opset = 0;
  for (const f of r.fields(0, bytes.length, 'ModelProto')) {
    if (f.no === 7 && f.wire === WIRE_LEN) graph = f;
    if (f.no === 8 && f.wire === WIRE_LEN) {
      let domain = '';
      let version = 0;
      for (const g of r.fields(f.start, f.end, 'OperatorSetIdProto')) {
        if (g.no === 1 && g.wire === WIRE_LEN) domain = r.string(g);
        if (g.no === 2 && g.wire === WIRE_VARINT) version = g.value;
      }
      if (domain === '' || domain === 'ai.onnx') opset = version;
    }
  }
  if (!graph) throw new CorruptFileError(what, 'ModelProto.graph', 0, 'no graph (is this an ONNX model?)');
  const nodes: GraphNode[] = [];
  const tensors = new Map<string, GraphTensor>();
  const inputs: ValueInfo[] = [];
  const outputs: ValueInfo[] = [];
  let name = '';
  for (const f of r.fields(graph.start, graph.end, 'GraphProto')) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.no === 2) name = r.string(f);
    else if (f.no === 5) {
      const t = graphTensor(r, readTensor(r, f.start, f.end), what);
      tensors.set(t.name, t);
    } else if (f.no === 11) inputs.push(readValueInfo(r, f));
    else if (f.no === 12) outputs.push(readValueInfo(r, f));
    else if (f.no === 1) {
      const node = {
        name: '',
        op: '',
        domain: '',
        inputs: [] as string[],
        outputs: [] as string[],
        attributes: new Map<string, AttributeValue>(),
      };
      for (const g of r.fields(f.start, f.end, 'NodeProto')) {
        if (g.wire !== WIRE_LEN) continue;
        if (g.no === 1) node.inputs.push(r.string(g));
        else if (g.no === 2) node.outputs.push(r.string(g));
        else if (g.no === 3) node.name = r.string(g);
        else if (g.no === 4) node.op = r.string(g);
        else if (g.no === 7) node.domain = r.string(g);
        else if (g.no === 5) {
          const [k, v] = readAttribute(r, g, what);
          node.attributes.set(k, v);
        }
      }
      nodes.push(node);
    }
  }
  return { name, nodes, tensors, inputs: inputs.filter((i) => !tensors.has(i.name)), outputs, opset };
}
