/**
 * ONNX weights reader: every floating-point tensor of a model, from graph initializers and from
 * `Constant` nodes (paddle2onnx exports keep the weights there, real_weights.md), as f32. Truncated or
 * corrupt files give a CorruptFileError naming the field and byte offset.
 */
import { CorruptFileError, ShapeError } from '../errors.js';
import { f16BitsToF32 } from '../formats/f16.js';
import type { Matrix } from '../matrix.js';
import { ProtoReader, WIRE_I32, WIRE_LEN, WIRE_VARINT, type Field } from './protobuf.js';

export type OnnxFloatType = 'float32' | 'float16' | 'bfloat16';

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

// TensorProto.DataType
const FLOAT = 1;
const FLOAT16 = 10;
const BFLOAT16 = 16;
const TYPES: Record<number, OnnxFloatType> = { [FLOAT]: 'float32', [FLOAT16]: 'float16', [BFLOAT16]: 'bfloat16' };

interface RawTensor {
  name: string;
  dims: number[];
  type: number;
  raw: Field | null;
  floatData: Field[];
  int32Data: Field[];
  external: boolean;
  at: number;
}

function readTensor(r: ProtoReader, start: number, end: number): RawTensor {
  const t: RawTensor = { name: '', dims: [], type: 0, raw: null, floatData: [], int32Data: [], external: false, at: start };
  for (const f of r.fields(start, end, 'TensorProto')) {
    if (f.no === 1) {
      if (f.wire === WIRE_VARINT) t.dims.push(f.value);
      else if (f.wire === WIRE_LEN) for (let p = f.start; p < f.end; ) [t.dims[t.dims.length], p] = r.varint(p, f.end, 'TensorProto.dims');
    } else if (f.no === 2 && f.wire === WIRE_VARINT) t.type = f.value;
    else if (f.no === 4) t.floatData.push(f);
    else if (f.no === 5) t.int32Data.push(f);
    else if (f.no === 8 && f.wire === WIRE_LEN) t.name = r.string(f);
    else if (f.no === 9 && f.wire === WIRE_LEN) t.raw = f;
    else if (f.no === 14 && f.wire === WIRE_VARINT) t.external = f.value === 1;
  }
  return t;
}

function decodeTensor(r: ProtoReader, t: RawTensor): Float32Array {
  if (!t.dims.every((d) => Number.isSafeInteger(d) && d >= 0)) r.fail(`tensor ${t.name} dims`, t.at, `bad dims ${JSON.stringify(t.dims)}`);
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count) || count > 2 ** 31) r.fail(`tensor ${t.name} dims`, t.at, `element count of ${JSON.stringify(t.dims)} is not an integer`);
  if (t.external) r.fail(`tensor ${t.name}`, t.at, 'external data (a separate .bin file) is not supported; re-export with the weights inside the model');
  const bytes = r.bytes;
  if (t.raw) {
    const size = t.type === FLOAT ? 4 : 2;
    if (t.raw.end - t.raw.start !== count * size) r.fail(`tensor ${t.name} raw_data`, t.raw.start, `${t.raw.end - t.raw.start} bytes for ${count} ${TYPES[t.type]} values (expected ${count * size})`);
    const out = new Float32Array(count);
    const view = new DataView(bytes.buffer, bytes.byteOffset + t.raw.start, count * size);
    for (let i = 0; i < count; i++) {
      if (t.type === FLOAT) out[i] = view.getFloat32(4 * i, true);
      else if (t.type === FLOAT16) out[i] = f16BitsToF32(view.getUint16(2 * i, true));
      else out[i] = new Float32Array(new Uint32Array([view.getUint16(2 * i, true) << 16]).buffer)[0];
    }
    return out;
  }
  // Typed data: never allocate more than the file could hold (each value takes ≥ 1 byte), so a corrupt
  // dims field cannot ask for gigabytes.
  const stored = [...t.floatData, ...t.int32Data].reduce((a, f) => a + (f.end - f.start), 0);
  if (count > stored) r.fail(`tensor ${t.name} data`, t.at, `dims ${JSON.stringify(t.dims)} need ${count} values, the tensor stores at most ${stored}`);
  const out = new Float32Array(count);
  let n = 0;
  const put = (v: number, at: number) => {
    if (n >= count) r.fail(`tensor ${t.name} data`, at, `more than ${count} values`);
    out[n++] = v;
  };
  if (t.type === FLOAT) {
    for (const f of t.floatData) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + f.start, f.end - f.start);
      if (f.wire === WIRE_I32) put(view.getFloat32(0, true), f.start);
      else if (f.wire === WIRE_LEN) {
        if ((f.end - f.start) % 4 !== 0) r.fail(`tensor ${t.name} float_data`, f.start, `packed length ${f.end - f.start} is not a multiple of 4`);
        for (let i = 0; i < (f.end - f.start) / 4; i++) put(view.getFloat32(4 * i, true), f.start + 4 * i);
      }
    }
  } else {
    const widen = (v: number) => (t.type === FLOAT16 ? f16BitsToF32(v & 0xffff) : new Float32Array(new Uint32Array([(v & 0xffff) << 16]).buffer)[0]);
    for (const f of t.int32Data) {
      if (f.wire === WIRE_VARINT) put(widen(f.value), f.start);
      else if (f.wire === WIRE_LEN) for (let p = f.start; p < f.end; ) {
        const [v, q] = r.varint(p, f.end, `tensor ${t.name} int32_data`);
        put(widen(v), p);
        p = q;
      }
    }
  }
  if (n !== count) r.fail(`tensor ${t.name} data`, t.at, `${n} values for dims ${JSON.stringify(t.dims)} (${count} expected)`);
  return out;
}

/** Every f32/f16/bf16 tensor in an ONNX model (initializers and Constant-node values). */
export function readOnnxWeights(bytes: Uint8Array, what = 'ONNX model'): OnnxTensor[] {
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
  return found
    .filter(({ raw }) => raw.type in TYPES)
    .map(({ raw, source }) => ({ name: raw.name, dims: raw.dims, dataType: TYPES[raw.type], data: decodeTensor(r, raw), source, consumers: consumers.get(raw.name) ?? [], ...f32Place(raw) }));
}

function f32Place(t: RawTensor): { f32Offset?: number } {
  if (t.type !== FLOAT) return {};
  if (t.raw) return { f32Offset: t.raw.start };
  if (t.floatData.length === 1 && t.floatData[0].wire === WIRE_LEN) return { f32Offset: t.floatData[0].start };
  return {};
}

/**
 * A copy of an ONNX model with some f32 tensors' values replaced (same shapes), written in place of
 * the stored values so nothing else in the file moves. `tensors` come from readOnnxWeights(bytes).
 */
export function patchOnnxFloats(bytes: Uint8Array, tensors: readonly OnnxTensor[], values: ReadonlyMap<string, Float32Array>): Uint8Array {
  const out = bytes.slice();
  const byName = new Map(tensors.map((t) => [t.name, t]));
  for (const [name, v] of values) {
    const t = byName.get(name);
    if (!t) throw new ShapeError(`patchOnnxFloats: the model has no float tensor ${name}`);
    if (t.f32Offset === undefined) throw new ShapeError(`patchOnnxFloats: tensor ${name} is ${t.dataType} or not stored contiguously; only contiguous f32 tensors can be replaced in place`);
    if (v.length !== t.data.length) throw new ShapeError(`patchOnnxFloats: tensor ${name} has ${t.data.length} values, got ${v.length}`);
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
  if (w.rows !== N || w.cols !== K) throw new ShapeError(`tensor ${t.name} [${K}, ${N}] cannot take a ${w.rows}×${w.cols} W`);
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
  if (d.length !== 2) throw new ShapeError(`tensor ${t.name} has dims ${JSON.stringify(d)}: not a MatMul weight [in, out] or a 1×1 convolution [out, in, 1, 1]`);
  const [K, N] = d;
  const data = new Float32Array(N * K);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) data[n * K + k] = t.data[k * N + n];
  return { rows: N, cols: K, data };
}

/** For every node: its op type and input/output names (graph order). */
export function onnxNodes(bytes: Uint8Array, what = 'ONNX model'): { op: string; inputs: string[]; outputs: string[] }[] {
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
