/**
 * ONNX weights reader: every floating-point tensor of a model, from graph initializers and from
 * `Constant` nodes (paddle2onnx exports keep the weights there, docs/real-weights.md), as f32. Truncated or
 * corrupt files give a CorruptFileError naming the field and byte offset.
 */
import { CorruptFileError, ShapeError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { ProtoReader, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, type Field } from './protobuf.js';
import { DTYPE_BYTES, widenFloats, type SafetensorsDtype } from './safetensors.js';

export type OnnxFloatType = 'float32' | 'float16' | 'bfloat16';

/** A float tensor of an ONNX model, its values as f32. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: OnnxFloatType;
  /** The values as f32 (f16/bf16 widened exactly). */
  data: Float32Array;
  /** Where the tensor was found. */
  source: 'initializer' | 'constant';
  /** For constants: the op types of the nodes that consume it (e.g. ['MatMul']). */
  consumers: string[];
  /**
   * Byte offset in the file of the values when they are stored as contiguous little-endian f32 (raw_data,
   * or one packed float_data field): such a tensor can be replaced in place (patchOnnxFloats).
   */
  f32Offset?: number;
}

/** Any tensor of the model, its values as the little-endian bytes of its dtype (safetensors' names). */
export interface OnnxAnyTensor {
  name: string;
  dims: number[];
  /** ONNX TensorProto.DataType number, and the safetensors dtype with the same bytes (null: none, e.g. STRING). */
  onnxType: number;
  dtype: SafetensorsDtype | null;
  source: 'initializer' | 'constant';
  consumers: string[];
  /** The values (decoded on first call; throws CorruptFileError for bad data, ShapeError when dtype is null). */
  bytes(): Uint8Array;
}

// TensorProto.DataType
const FLOAT = 1;
const FLOAT16 = 10;
const BFLOAT16 = 16;
const TYPES: Record<number, OnnxFloatType> = { [FLOAT]: 'float32', [FLOAT16]: 'float16', [BFLOAT16]: 'bfloat16' };
const FLOAT_DTYPE: Record<OnnxFloatType, SafetensorsDtype> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' };

/** TensorProto.DataType → the safetensors dtype with the same little-endian bytes. */
export const ONNX_DTYPES: ReadonlyMap<number, SafetensorsDtype> = new Map([
  [1, 'F32'],
  [2, 'U8'],
  [3, 'I8'],
  [4, 'U16'],
  [5, 'I16'],
  [6, 'I32'],
  [7, 'I64'],
  [9, 'BOOL'],
  [10, 'F16'],
  [11, 'F64'],
  [12, 'U32'],
  [13, 'U64'],
  [16, 'BF16'],
  [17, 'F8_E4M3'],
  [19, 'F8_E5M2'],
]);
/** ONNX type names, for messages. */
const ONNX_TYPE_NAMES = [
  'UNDEFINED',
  'FLOAT',
  'UINT8',
  'INT8',
  'UINT16',
  'INT16',
  'INT32',
  'INT64',
  'STRING',
  'BOOL',
  'FLOAT16',
  'DOUBLE',
  'UINT32',
  'UINT64',
  'COMPLEX64',
  'COMPLEX128',
  'BFLOAT16',
  'FLOAT8E4M3FN',
  'FLOAT8E4M3FNUZ',
  'FLOAT8E5M2',
  'FLOAT8E5M2FNUZ',
  'UINT4',
  'INT4',
];
export const onnxTypeName = (t: number): string => ONNX_TYPE_NAMES[t] ?? `type ${t}`;

/** TensorProto's typed value fields: float_data 4, int32_data 5, int64_data 7, double_data 10, uint64_data 11. */
const TYPED_FIELDS = new Set([4, 5, 7, 10, 11]);

/** A TensorProto as found in the file: dims, type and where its values are (read with tensorProtoBytes). */
export interface RawTensor {
  name: string;
  dims: number[];
  type: number;
  raw: Field | null;
  /** Typed value fields by field number. */
  typed: Map<number, Field[]>;
  external: boolean;
  at: number;
}

/** Reads the TensorProto in [start, end) without decoding its values. */
export function readTensor(r: ProtoReader, start: number, end: number): RawTensor {
  const t: RawTensor = { name: '', dims: [], type: 0, raw: null, typed: new Map(), external: false, at: start };
  for (const f of r.fields(start, end, 'TensorProto')) {
    if (f.no === 1) {
      if (f.wire === WIRE_VARINT) t.dims.push(f.value);
      else if (f.wire === WIRE_LEN)
        for (let p = f.start; p < f.end; ) [t.dims[t.dims.length], p] = r.varint(p, f.end, 'TensorProto.dims');
    } else if (f.no === 2 && f.wire === WIRE_VARINT) t.type = f.value;
    else if (TYPED_FIELDS.has(f.no)) t.typed.set(f.no, [...(t.typed.get(f.no) ?? []), f]);
    else if (f.no === 8 && f.wire === WIRE_LEN) t.name = r.string(f);
    else if (f.no === 9 && f.wire === WIRE_LEN) t.raw = f;
    else if (f.no === 14 && f.wire === WIRE_VARINT) t.external = f.value === 1;
  }
  return t;
}

/** The typed field that holds values of each dtype, and whether it stores them as fixed-width floats. */
function typedFieldOf(dtype: SafetensorsDtype): { no: number; fixed: 0 | 4 | 8 } {
  if (dtype === 'F32') return { no: 4, fixed: 4 };
  if (dtype === 'F64') return { no: 10, fixed: 8 };
  if (dtype === 'I64') return { no: 7, fixed: 0 };
  if (dtype === 'U32' || dtype === 'U64') return { no: 11, fixed: 0 };
  return { no: 5, fixed: 0 };
}

/**
 * The tensor's values as little-endian bytes of `dtype`, from raw_data or from the typed fields (varints
 * truncated to the element's width, as ONNX stores narrow types in int32_data). Never allocates more
 * than the stored bytes could describe, so a corrupt dims field cannot ask for gigabytes.
 */
export function tensorBytes(r: ProtoReader, t: RawTensor, dtype: SafetensorsDtype): Uint8Array {
  if (!t.dims.every((d) => Number.isSafeInteger(d) && d >= 0))
    r.fail(`tensor ${t.name} dims`, t.at, `bad dims ${JSON.stringify(t.dims)}`);
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count) || count > 2 ** 31)
    r.fail(`tensor ${t.name} dims`, t.at, `element count of ${JSON.stringify(t.dims)} is not an integer`);
  if (t.external)
    r.fail(
      `tensor ${t.name}`,
      t.at,
      'external data (a separate .bin file) is not supported; re-export with the weights inside the model',
    );
  const size = DTYPE_BYTES[dtype];
  if (t.raw) {
    if (t.raw.end - t.raw.start !== count * size)
      r.fail(
        `tensor ${t.name} raw_data`,
        t.raw.start,
        `${t.raw.end - t.raw.start} bytes for ${count} ${onnxTypeName(t.type)} values (expected ${count * size})`,
      );
    return r.bytes.slice(t.raw.start, t.raw.end);
  }
  const { no, fixed } = typedFieldOf(dtype);
  const fields = t.typed.get(no) ?? [];
  const stored = fields.reduce((a, f) => a + (f.end - f.start), 0);
  if (count > stored)
    r.fail(
      `tensor ${t.name} data`,
      t.at,
      `dims ${JSON.stringify(t.dims)} need ${count} values, the tensor stores at most ${stored}`,
    );
  const out = new Uint8Array(count * size);
  const view = new DataView(out.buffer);
  const src = new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength);
  let n = 0;
  const room = (at: number) => {
    if (n >= count) r.fail(`tensor ${t.name} data`, at, `more than ${count} values`);
  };
  for (const f of fields) {
    if (fixed) {
      // float_data / double_data: one fixed-width value, or a packed run of them.
      const width = f.wire === WIRE_LEN ? f.end - f.start : fixed;
      if ((f.wire !== WIRE_LEN && f.wire !== (fixed === 4 ? WIRE_I32 : WIRE_I64)) || width % fixed !== 0)
        r.fail(
          `tensor ${t.name} ${fixed === 4 ? 'float_data' : 'double_data'}`,
          f.start,
          `packed length ${width} is not a multiple of ${fixed}`,
        );
      for (let i = 0; i < width; i += fixed) {
        room(f.start + i);
        for (let b = 0; b < fixed; b++) view.setUint8(n * size + b, src.getUint8(f.start + i + b));
        n++;
      }
      continue;
    }
    const put = (v: bigint, at: number) => {
      room(at);
      const bits = BigInt.asUintN(8 * size, v);
      if (size === 8) view.setBigUint64(8 * n, bits, true);
      else if (size === 4) view.setUint32(4 * n, Number(bits), true);
      else if (size === 2) view.setUint16(2 * n, Number(bits), true);
      else view.setUint8(n, Number(bits));
      n++;
    };
    if (f.wire === WIRE_VARINT)
      // A varint field's start is its key's: the value follows the key.
      put(r.varintBig(r.varint(f.start, f.end, 'field key')[1], f.end, `tensor ${t.name} data`)[0], f.start);
    else if (f.wire === WIRE_LEN)
      for (let p = f.start; p < f.end; ) {
        const [v, q] = r.varintBig(p, f.end, `tensor ${t.name} data`);
        put(v, p);
        p = q;
      }
  }
  if (n !== count)
    r.fail(`tensor ${t.name} data`, t.at, `${n} values for dims ${JSON.stringify(t.dims)} (${count} expected)`);
  return out;
}

function decodeTensor(r: ProtoReader, t: RawTensor): Float32Array {
  const dtype = FLOAT_DTYPE[TYPES[t.type]];
  const bytes = tensorBytes(r, t, dtype);
  return widenFloats(bytes, dtype, bytes.length / DTYPE_BYTES[dtype]);
}

/** Every tensor of the graph (initializers and Constant-node values) with the op types consuming it. */
function readRawTensors(
  bytes: Uint8Array,
  what: string,
): { r: ProtoReader; found: { raw: RawTensor; source: OnnxTensor['source']; consumers: string[] }[] } {
  const r = new ProtoReader(bytes, what);
  let graph: Field | null = null;
  for (const f of r.fields(0, bytes.length, 'ModelProto')) if (f.no === 7 && f.wire === WIRE_LEN) graph = f;
  if (!graph) throw new CorruptFileError(what, 'ModelProto.graph', 0, 'no graph (is this an ONNX model?)');
  const found: { raw: RawTensor; source: OnnxTensor['source'] }[] = [];
  const consumers = new Map<string, string[]>();
  for (const f of r.fields(graph.start, graph.end, 'GraphProto')) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.no === 5) found.push({ raw: readTensor(r, f.start, f.end), source: 'initializer' });
    if (f.no !== 1) continue;
    let op = '';
    const inputs: string[] = [];
    const outputs: string[] = [];
    let value: RawTensor | null = null;
    for (const g of r.fields(f.start, f.end, 'NodeProto')) {
      if (g.wire !== WIRE_LEN) continue;
      if (g.no === 1) inputs.push(r.string(g));
      else if (g.no === 2) outputs.push(r.string(g));
      else if (g.no === 4) op = r.string(g);
      else if (g.no === 5) {
        let name = '';
        let t: RawTensor | null = null;
        for (const a of r.fields(g.start, g.end, 'AttributeProto')) {
          if (a.no === 1 && a.wire === WIRE_LEN) name = r.string(a);
          if (a.no === 5 && a.wire === WIRE_LEN) t = readTensor(r, a.start, a.end);
        }
        if (name === 'value' && t) value = t;
      }
    }
    for (const i of inputs) consumers.set(i, [...(consumers.get(i) ?? []), op]);
    if (op === 'Constant' && value) {
      if (outputs[0]) value.name = outputs[0];
      found.push({ raw: value, source: 'constant' });
    }
  }
  return { r, found: found.map((x) => ({ ...x, consumers: consumers.get(x.raw.name) ?? [] })) };
}

/** Every tensor in an ONNX model, whatever its type (initializers and Constant-node values), values read on demand. */
export function readOnnxTensors(bytes: Uint8Array, what = 'ONNX model'): OnnxAnyTensor[] {
  const { r, found } = readRawTensors(bytes, what);
  return found.map(({ raw, source, consumers }) => {
    const dtype = ONNX_DTYPES.get(raw.type) ?? null;
    let cached: Uint8Array | null = null;
    return {
      name: raw.name,
      dims: raw.dims,
      onnxType: raw.type,
      dtype,
      source,
      consumers,
      bytes: () => {
        if (!dtype)
          throw new ShapeError(
            `${what}: tensor ${raw.name} is ${onnxTypeName(raw.type)}, which has no fixed-size binary form to copy`,
          );
        return (cached ??= tensorBytes(r, raw, dtype));
      },
    };
  });
}

/** Every f32/f16/bf16 tensor in an ONNX model (initializers and Constant-node values). */
export function readOnnxWeights(bytes: Uint8Array, what = 'ONNX model'): OnnxTensor[] {
  const { r, found } = readRawTensors(bytes, what);
  return found
    .filter(({ raw }) => raw.type in TYPES)
    .map(({ raw, source, consumers }) => ({
      name: raw.name,
      dims: raw.dims,
      dataType: TYPES[raw.type],
      data: decodeTensor(r, raw),
      source,
      consumers,
      ...f32Place(raw),
    }));
}

function f32Place(t: RawTensor): { f32Offset?: number } {
  if (t.type !== FLOAT) return {};
  if (t.raw) return { f32Offset: t.raw.start };
  const floatData = t.typed.get(4) ?? [];
  if (floatData.length === 1 && floatData[0].wire === WIRE_LEN) return { f32Offset: floatData[0].start };
  return {};
}

/**
 * A copy of an ONNX model with some f32 tensors' values replaced (same shapes), written in place of
 * the stored values so nothing else in the file moves. `tensors` come from readOnnxWeights(bytes).
 */
export function patchOnnxFloats(
  bytes: Uint8Array,
  tensors: readonly OnnxTensor[],
  values: ReadonlyMap<string, Float32Array>,
): Uint8Array {
  const out = bytes.slice();
  const byName = new Map(tensors.map((t) => [t.name, t]));
  for (const [name, v] of values) {
    const t = byName.get(name);
    if (!t) throw new ShapeError(`patchOnnxFloats: the model has no float tensor ${name}`);
    if (t.f32Offset === undefined)
      throw new ShapeError(
        `patchOnnxFloats: tensor ${name} is ${t.dataType} or not stored contiguously; only contiguous f32 ` +
          `tensors can be replaced in place`,
      );
    if (v.length !== t.data.length)
      throw new ShapeError(`patchOnnxFloats: tensor ${name} has ${t.data.length} values, got ${v.length}`);
    const view = new DataView(out.buffer, out.byteOffset + t.f32Offset, 4 * v.length);
    for (let i = 0; i < v.length; i++) view.setFloat32(4 * i, v[i], true);
  }
  return out;
}

/** Inverse of weightMatrix: W (N×K) back in the tensor's stored layout. */
export function fromWeightMatrix(t: OnnxTensor, w: Matrix): Float32Array {
  const d = t.dims;
  if (d.length === 4) return w.data;
  const [K, N] = d;
  if (w.rows !== N || w.cols !== K)
    throw new ShapeError(`tensor ${t.name} [${K}, ${N}] cannot take a ${w.rows}×${w.cols} W`);
  const out = new Float32Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) out[k * N + n] = w.data[n * K + k];
  return out;
}

/**
 * A weight tensor as the engine's W (N×K, K contiguous): MatMul weights are stored [in, out] (x·W), so
 * they are transposed; 1×1 convolutions [out, in, 1, 1] are already N×K.
 */
export function weightMatrix(t: OnnxTensor): Matrix {
  const d = t.dims;
  if (d.length === 4 && d[2] === 1 && d[3] === 1) return { rows: d[0], cols: d[1], data: t.data };
  if (d.length !== 2)
    throw new ShapeError(
      `tensor ${t.name} has dims ${JSON.stringify(d)}: not a MatMul weight [in, out] or a 1×1 convolution [out, ` +
        `in, 1, 1]`,
    );
  const [K, N] = d;
  const data = new Float32Array(N * K);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) data[n * K + k] = t.data[k * N + n];
  return { rows: N, cols: K, data };
}

/** For every node: its op type and input/output names (graph order). */
export function onnxNodes(
  bytes: Uint8Array,
  what = 'ONNX model',
): { op: string; inputs: string[]; outputs: string[] }[] {
  const r = new ProtoReader(bytes, what);
  const nodes: { op: string; inputs: string[]; outputs: string[] }[] = [];
  for (const f of r.fields(0, bytes.length, 'ModelProto')) {
    if (f.no !== 7 || f.wire !== WIRE_LEN) continue;
    for (const g of r.fields(f.start, f.end, 'GraphProto')) {
      if (g.no !== 1 || g.wire !== WIRE_LEN) continue;
      const node = { op: '', inputs: [] as string[], outputs: [] as string[] };
      for (const h of r.fields(g.start, g.end, 'NodeProto')) {
        if (h.wire !== WIRE_LEN) continue;
        if (h.no === 1) node.inputs.push(r.string(h));
        else if (h.no === 2) node.outputs.push(r.string(h));
        else if (h.no === 4) node.op = r.string(h);
      }
      nodes.push(node);
    }
  }
  return nodes;
}

const varint = (v: number): number[] => {
  const out: number[] = [];
  for (; v >= 128; v = Math.floor(v / 128)) out.push((v % 128) | 128);
  out.push(v);
  return out;
};

/**
 * A copy of the model whose graph also outputs the named intermediate tensors (GraphProto.output
 * entries with a name only; the runtime infers their types), e.g. to collect a layer's inputs for
 * calibration.
 */
export function addGraphOutputs(bytes: Uint8Array, names: readonly string[], what = 'ONNX model'): Uint8Array {
  const r = new ProtoReader(bytes, what);
  const extra: number[] = [];
  for (const name of names) {
    const nameBytes = [...new TextEncoder().encode(name)];
    const value = [0x0a, ...varint(nameBytes.length), ...nameBytes]; // ValueInfoProto.name = 1
    extra.push(0x62, ...varint(value.length), ...value); // GraphProto.output = 12
  }
  const parts: Uint8Array[] = [];
  let graphSeen = false;
  let keyStart = 0; // fields are contiguous: each one's key starts where the previous one ended
  for (const f of r.fields(0, bytes.length, 'ModelProto')) {
    // Every field is copied as it is (key and length prefix included), except the graph, whose
    // payload grows by the new outputs and whose length prefix is rewritten.
    if (f.no === 7 && f.wire === WIRE_LEN && !graphSeen) {
      graphSeen = true;
      const payload = bytes.subarray(f.start, f.end);
      parts.push(Uint8Array.from([0x3a, ...varint(payload.length + extra.length)]), payload, Uint8Array.from(extra));
    } else parts.push(bytes.subarray(keyStart, f.end));
    keyStart = f.end;
  }
  if (!graphSeen) throw new CorruptFileError(what, 'ModelProto.graph', 0, 'no graph (is this an ONNX model?)');
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
}
