/**
 * GGUF v3 reader and writer (the file format of ggml and llama.cpp; docs/interop.md). Layout, all
 * little-endian: "GGUF", version u32, tensor count u64, metadata count u64; the metadata (key string,
 * value type u32, value); the tensor infos (name string, n_dims u32, ne u64[n_dims] with ne[0] the
 * contiguous dimension, ggml type u32, data offset u64 relative to the data section); zero padding to
 * the alignment (the u32 `general.alignment`, 32 without it); the data section, every tensor at a
 * multiple of the alignment. A string is a u64 byte length and UTF-8 bytes, a bool one byte 0 or 1,
 * an array an item type u32, a u64 count and the items.
 *
 * The reader checks every count and length against the bytes that remain before it allocates or loops
 * (a 4-byte count of 2^60 strings fails at once), and every violation is a CorruptFileError naming the
 * field and its byte offset. Reads go through a ByteSource, so tensor data is read only when asked for.
 *
 * @example
 * const file = await readGguf(memorySource(bytes, 'model.gguf'));
 * const info = file.tensors.find((t) => t.name === 'blk.0.ffn_up.weight')!;
 * const blocks = await readGgufTensorBytes(source, file, info); // raw ggml blocks
 */
import { CorruptFileError, ShapeError, UnsupportedVersionError } from '../errors.js';
import type { ByteSink, ByteSource } from './byte-source.js';
import { GGML_TYPES, GGML_TYPES_BY_NAME, type GgmlType, ggmlTensorBytes } from './ggml-types.js';

/** GGUF metadata value types, by the names ggml gives them. */
export type GgufType =
  | 'u8'
  | 'i8'
  | 'u16'
  | 'i16'
  | 'u32'
  | 'i32'
  | 'f32'
  | 'bool'
  | 'str'
  | 'arr'
  | 'u64'
  | 'i64'
  | 'f64';
const TYPE_IDS: readonly GgufType[] = [
  'u8',
  'i8',
  'u16',
  'i16',
  'u32',
  'i32',
  'f32',
  'bool',
  'str',
  'arr',
  'u64',
  'i64',
  'f64',
];
/** A fixed-size numeric value type: its bytes, how it reads and writes, and what it holds (null: v fits). */
interface NumericType {
  readonly bytes: number;
  get(d: DataView): number | bigint;
  set(d: DataView, v: number | bigint): void;
  wants(v: unknown): string | null;
}
const int = (lo: number, hi: number) => (v: unknown) =>
  typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? null : `an integer in ${lo}…${hi}`;
const big = (lo: bigint, hi: bigint) => (v: unknown) =>
  typeof v !== 'bigint' ? 'a bigint' : v < lo || v > hi ? 'in range' : null;
const float = (v: unknown) => (typeof v === 'number' ? null : 'a number');
const num = (v: number | bigint) => v as number;
const bigint = (v: number | bigint) => v as bigint;
/** One row per numeric value type (little-endian throughout). */
const NUMERIC: Partial<Record<GgufType, NumericType>> = {
  u8: { bytes: 1, get: (d) => d.getUint8(0), set: (d, v) => d.setUint8(0, num(v)), wants: int(0, 255) },
  i8: { bytes: 1, get: (d) => d.getInt8(0), set: (d, v) => d.setInt8(0, num(v)), wants: int(-128, 127) },
  u16: {
    bytes: 2,
    get: (d) => d.getUint16(0, true),
    set: (d, v) => d.setUint16(0, num(v), true),
    wants: int(0, 65535),
  },
  i16: {
    bytes: 2,
    get: (d) => d.getInt16(0, true),
    set: (d, v) => d.setInt16(0, num(v), true),
    wants: int(-32768, 32767),
  },
  u32: {
    bytes: 4,
    get: (d) => d.getUint32(0, true),
    set: (d, v) => d.setUint32(0, num(v), true),
    wants: int(0, 2 ** 32 - 1),
  },
  i32: {
    bytes: 4,
    get: (d) => d.getInt32(0, true),
    set: (d, v) => d.setInt32(0, num(v), true),
    wants: int(-(2 ** 31), 2 ** 31 - 1),
  },
  f32: { bytes: 4, get: (d) => d.getFloat32(0, true), set: (d, v) => d.setFloat32(0, num(v), true), wants: float },
  f64: { bytes: 8, get: (d) => d.getFloat64(0, true), set: (d, v) => d.setFloat64(0, num(v), true), wants: float },
  u64: {
    bytes: 8,
    get: (d) => d.getBigUint64(0, true),
    set: (d, v) => d.setBigUint64(0, bigint(v), true),
    wants: big(0n, (1n << 64n) - 1n),
  },
  i64: {
    bytes: 8,
    get: (d) => d.getBigInt64(0, true),
    set: (d, v) => d.setBigInt64(0, bigint(v), true),
    wants: big(-(1n << 63n), (1n << 63n) - 1n),
  },
};

/** A scalar value: numbers for the ≤ 32-bit types and f64, bigint for u64/i64. */
export type GgufScalar = number | bigint | boolean | string;
/** An array value: its item type and items (arrays may nest). */
export interface GgufArray {
  readonly itemType: GgufType;
  readonly values: readonly (GgufScalar | GgufArray)[];
}
/** One metadata entry. */
export interface GgufKv {
  readonly key: string;
  readonly type: GgufType;
  readonly value: GgufScalar | GgufArray;
}

/** One tensor's info as read. */
export interface GgufTensorInfo {
  readonly name: string;
  /** ggml dimensions, ne[0] the contiguous one (a row-major [rows, cols] matrix has ne = [cols, rows]). */
  readonly ne: readonly number[];
  readonly type: GgmlType;
  /** Offset relative to the data section. */
  readonly offset: number;
  /** Absolute offset in the file. */
  readonly absoluteOffset: number;
  readonly nbytes: number;
}

/** A GGUF file's header, metadata and tensor infos as read (tensor data is read on demand). */
export interface GgufFile {
  readonly version: number;
  readonly alignment: number;
  readonly kv: readonly GgufKv[];
  readonly tensors: readonly GgufTensorInfo[];
  /** Absolute offset of the data section. */
  readonly dataStart: number;
}

const GGUF_DEFAULT_ALIGNMENT = 32;
const MAX_DIMS = 4; // ggml's GGML_MAX_DIMS
const MAX_NESTING = 8;
const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** A sequential reader over a ByteSource that fetches in chunks and checks every length first. */
class Cursor {
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;
  pos = 0;
  constructor(
    private readonly src: ByteSource,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.src.size - this.pos;
  }

  fail(field: string, detail: string, at = this.pos): never {
    throw new CorruptFileError(this.what, field, at, detail);
  }

  /** `n` bytes at the cursor (advancing past them); a read past the end names `field`. */
  async take(n: number, field: string): Promise<Uint8Array> {
    if (n > this.remaining) this.fail(field, `needs ${n} bytes but the file has ${this.remaining} left (truncated?)`);
    const end = this.pos + n;
    if (this.pos < this.bufStart || end > this.bufStart + this.buf.length) {
      const len = Math.min(this.src.size - this.pos, Math.max(n, 1 << 16));
      this.buf = await this.src.read(this.pos, len);
      this.bufStart = this.pos;
    }
    const out = this.buf.subarray(this.pos - this.bufStart, end - this.bufStart);
    this.pos = end;
    return out;
  }

  private async view(n: number, field: string): Promise<DataView> {
    const b = await this.take(n, field);
    return new DataView(b.buffer, b.byteOffset, n);
  }

  async u32(field: string): Promise<number> {
    return (await this.view(4, field)).getUint32(0, true);
  }

  async u64(field: string): Promise<bigint> {
    return (await this.view(8, field)).getBigUint64(0, true);
  }

  /** A u64 that is a count or size: it must fit a safe integer and `limit`. */
  async count(field: string, limit: number, unit: string): Promise<number> {
    const at = this.pos;
    const v = await this.u64(field);
    if (v > BigInt(limit)) this.fail(field, `${v} ${unit} cannot fit in the ${this.remaining} bytes left`, at);
    return Number(v);
  }

  async string(field: string): Promise<string> {
    const at = this.pos;
    const n = await this.count(`${field} length`, this.remaining - 8, 'bytes');
    const bytes = await this.take(n, field);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return this.fail(field, 'is not valid UTF-8', at);
    }
  }

  async scalar(type: GgufType, field: string): Promise<GgufScalar> {
    const at = this.pos;
    switch (type) {
      case 'str':
        return this.string(field);
      case 'bool': {
        const b = (await this.take(1, field))[0];
        if (b > 1) this.fail(field, `a bool must be 0 or 1, got ${b}`, at);
        return b === 1;
      }
      default: {
        const t = NUMERIC[type];
        if (t) return t.get(await this.view(t.bytes, field));
      }
    }
    return this.fail(field, `unhandled type ${type}`, at);
  }

  async valueType(field: string): Promise<GgufType> {
    const at = this.pos;
    const id = await this.u32(field);
    const t = TYPE_IDS[id];
    if (t === undefined) return this.fail(field, `unknown value type ${id} (GGUF v3 has 0–12)`, at);
    return t;
  }

  async value(type: GgufType, field: string, depth = 0): Promise<GgufScalar | GgufArray> {
    if (type !== 'arr') return this.scalar(type, field);
    if (depth >= MAX_NESTING) this.fail(field, `arrays nested deeper than ${MAX_NESTING}`);
    const itemType = await this.valueType(`${field} item type`);
    // every item takes at least its fixed size (a string its 8-byte length, an array 12 bytes)
    const least = NUMERIC[itemType]?.bytes ?? (itemType === 'bool' ? 1 : itemType === 'str' ? 8 : 12);
    const n = await this.count(`${field} count`, Math.floor(this.remaining / least), 'items');
    const values: (GgufScalar | GgufArray)[] = [];
    for (let i = 0; i < n; i++) values.push(await this.value(itemType, `${field}[${i}]`, depth + 1));
    return { itemType, values };
  }
}

/** Reads and validates a GGUF file's header, metadata and tensor infos (not the tensor data). */
export async function readGguf(src: ByteSource): Promise<GgufFile> {
  const what = src.name;
  const c: Cursor = new Cursor(src, what);
  if (src.size < 24) c.fail('header', `a GGUF file starts with a 24-byte header; this one has ${src.size} bytes`, 0);
  const magic = await c.u32('magic');
  if (magic !== MAGIC) c.fail('magic', 'not a GGUF file (it does not start with "GGUF")', 0);
  const version = await c.u32('version');
  if (version !== 3) throw new UnsupportedVersionError(what, String(version), 'GGUF version 3');
  // A tensor info takes at least 24 bytes, a metadata entry at least 13.
  const nTensors = await c.count('tensor count', Math.floor(c.remaining / 24), 'tensors');
  const nKv = await c.count('metadata count', Math.floor(c.remaining / 13), 'entries');
  const kv: GgufKv[] = [];
  const keys = new Set<string>();
  for (let i = 0; i < nKv; i++) {
    const at = c.pos;
    const key = await c.string(`metadata[${i}] key`);
    if (keys.has(key)) c.fail(`metadata[${i}] key`, `duplicate key ${JSON.stringify(key)}`, at);
    keys.add(key);
    const type = await c.valueType(`${key} type`);
    kv.push({ key, type, value: await c.value(type, key) });
  }
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const align = kv.find((e) => e.key === 'general.alignment');
  if (align) {
    const a = align.value;
    if (align.type !== 'u32' || typeof a !== 'number' || a === 0 || (a & (a - 1)) !== 0)
      c.fail('general.alignment', `must be a u32 power of two, got ${align.type} ${String(a)}`, 0);
    alignment = a as number;
  }
  const raw: { name: string; ne: number[]; type: GgmlType; offset: number; at: number }[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const at = c.pos;
    const name = await c.string(`tensor[${i}] name`);
    if (names.has(name)) c.fail(`tensor[${i}] name`, `duplicate tensor name ${JSON.stringify(name)}`, at);
    names.add(name);
    const dimsAt = c.pos;
    const nDims = await c.u32(`${name} n_dims`);
    if (nDims < 1 || nDims > MAX_DIMS) c.fail(`${name} n_dims`, `must be 1…${MAX_DIMS}, got ${nDims}`, dimsAt);
    const ne: number[] = [];
    let elements = 1;
    for (let d = 0; d < nDims; d++) {
      const dimAt = c.pos;
      const v = await c.u64(`${name} ne[${d}]`);
      if (v < 1n || v > BigInt(Number.MAX_SAFE_INTEGER))
        c.fail(`${name} ne[${d}]`, `a dimension must be 1…2^53, got ${v}`, dimAt);
      ne.push(Number(v));
      elements *= Number(v);
      if (elements > Number.MAX_SAFE_INTEGER) c.fail(`${name} ne`, `${ne.join('×')}… elements overflow`, dimAt);
    }
    const typeAt = c.pos;
    const typeId = await c.u32(`${name} type`);
    const type = GGML_TYPES.get(typeId);
    if (!type) return c.fail(`${name} type`, `unknown ggml type ${typeId}`, typeAt);
    if (ne[0] % type.block !== 0)
      c.fail(`${name} ne[0]`, `${ne[0]} is not a multiple of ${type.name}'s block of ${type.block}`, dimsAt);
    const offAt = c.pos;
    const off = await c.u64(`${name} offset`);
    if (off > BigInt(Number.MAX_SAFE_INTEGER)) c.fail(`${name} offset`, `offset ${off} is past any file`, offAt);
    const offset = Number(off);
    if (offset % alignment !== 0)
      c.fail(`${name} offset`, `offset ${offset} is not a multiple of the alignment ${alignment}`, offAt);
    raw.push({ name, ne, type, offset, at: offAt });
  }
  const dataStart = alignUp(c.pos, alignment);
  const dataSize = src.size - dataStart;
  const tensors = raw.map((t) => {
    const nbytes = ggmlTensorBytes(t.type, t.ne);
    if (t.offset + nbytes > dataSize)
      c.fail(
        `${t.name} offset`,
        `tensor data ends at byte ${dataStart + t.offset + nbytes} but the file has ${src.size} bytes (truncated?)`,
        t.at,
      );
    return { name: t.name, ne: t.ne, type: t.type, offset: t.offset, absoluteOffset: dataStart + t.offset, nbytes };
  });
  const byOffset = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const [p, q] = [byOffset[i - 1], byOffset[i]];
    if (p.offset + p.nbytes > q.offset)
      c.fail(`${q.name} offset`, `overlaps ${p.name} (${p.offset}…${p.offset + p.nbytes})`, q.absoluteOffset);
  }
  return { version, alignment, kv, tensors, dataStart };
}

/** The raw bytes (ggml blocks) of one tensor. */
export async function readGgufTensorBytes(src: ByteSource, info: GgufTensorInfo): Promise<Uint8Array> {
  return (await src.read(info.absoluteOffset, info.nbytes)).slice();
}

/** A tensor to write: raw ggml bytes of `type` with ggml dimensions `ne` (ne[0] contiguous). */
export interface GgufTensorSpec {
  readonly name: string;
  readonly type: GgmlType | string;
  readonly ne: readonly number[];
  readonly bytes: Uint8Array;
}

/** ggml refuses tensor names of 64 bytes or more (GGML_MAX_NAME includes the terminator). */
const MAX_NAME_BYTES = 63;

class HeaderWriter {
  private parts: Uint8Array[] = [];
  size = 0;
  private push(b: Uint8Array) {
    this.parts.push(b);
    this.size += b.length;
  }
  fixed(n: number, put: (d: DataView) => void) {
    const b = new Uint8Array(n);
    put(new DataView(b.buffer));
    this.push(b);
  }
  u32(v: number) {
    this.fixed(4, (d) => d.setUint32(0, v, true));
  }
  u64(v: number | bigint) {
    this.fixed(8, (d) => d.setBigUint64(0, BigInt(v), true));
  }
  string(s: string) {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.push(b);
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

function writeValue(w: HeaderWriter, type: GgufType, v: GgufScalar | GgufArray, field: string): void {
  const bad = (want: string): never => {
    throw new ShapeError(`GGUF metadata ${field}: a ${type} value must be ${want}, got ${String(v)}`);
  };
  const t = NUMERIC[type];
  if (t) {
    const why = t.wants(v);
    if (why) bad(why);
    w.fixed(t.bytes, (d) => t.set(d, v as number | bigint));
    return;
  }
  switch (type) {
    case 'bool':
      if (typeof v !== 'boolean') bad('a boolean');
      w.fixed(1, (d) => d.setUint8(0, v ? 1 : 0));
      return;
    case 'str':
      if (typeof v !== 'string') bad('a string');
      w.string(v as string);
      return;
    case 'arr': {
      const a = v as GgufArray;
      if (typeof a !== 'object' || a === null || !Array.isArray(a.values) || !TYPE_IDS.includes(a.itemType))
        bad('{ itemType, values }');
      w.u32(TYPE_IDS.indexOf(a.itemType));
      w.u64(a.values.length);
      for (const [i, item] of a.values.entries()) writeValue(w, a.itemType, item, `${field}[${i}]`);
      return;
    }
  }
}

/**
 * Writes a GGUF v3 file: the metadata in the order given, the tensors in the order given, each at the
 * next multiple of the alignment (`general.alignment` if the metadata has it, else 32), zero padding.
 * Refuses (ShapeError, before writing anything) duplicate keys or names, values that do not fit their
 * type, names ggml cannot load (≥ 64 bytes), dimensions not a multiple of the type's block, and byte
 * counts that do not match the type and dimensions.
 */
export async function writeGguf(
  sink: ByteSink,
  kv: readonly GgufKv[],
  tensors: readonly GgufTensorSpec[],
): Promise<void> {
  const keys = new Set<string>();
  for (const e of kv) {
    if (keys.has(e.key)) throw new ShapeError(`GGUF metadata: duplicate key ${JSON.stringify(e.key)}`);
    keys.add(e.key);
  }
  const align = kv.find((e) => e.key === 'general.alignment');
  const alignment = align ? (align.value as number) : GGUF_DEFAULT_ALIGNMENT;
  if (
    align &&
    (align.type !== 'u32' || !Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0)
  )
    throw new ShapeError(`GGUF metadata general.alignment must be a u32 power of two, got ${String(align.value)}`);
  const names = new Set<string>();
  const placed = tensors.map((t) => {
    const type = typeof t.type === 'string' ? GGML_TYPES_BY_NAME.get(t.type) : t.type;
    if (!type) throw new ShapeError(`GGUF tensor ${t.name}: unknown ggml type ${String(t.type)}`);
    if (names.has(t.name)) throw new ShapeError(`GGUF tensor ${JSON.stringify(t.name)} appears twice`);
    names.add(t.name);
    if (new TextEncoder().encode(t.name).length > MAX_NAME_BYTES)
      throw new ShapeError(`GGUF tensor name ${JSON.stringify(t.name)} is longer than ggml's ${MAX_NAME_BYTES} bytes`);
    if (t.ne.length < 1 || t.ne.length > MAX_DIMS || !t.ne.every((d) => Number.isSafeInteger(d) && d >= 1))
      throw new ShapeError(
        `GGUF tensor ${t.name}: ne must be 1…${MAX_DIMS} positive integers, got [${t.ne.join(', ')}]`,
      );
    if (t.ne[0] % type.block !== 0)
      throw new ShapeError(
        `GGUF tensor ${t.name}: ne[0] = ${t.ne[0]} is not a multiple of ${type.name}'s block ${type.block}`,
      );
    const nbytes = ggmlTensorBytes(type, t.ne);
    if (t.bytes.length !== nbytes)
      throw new ShapeError(
        `GGUF tensor ${t.name}: ${type.name} [${t.ne.join(', ')}] takes ${nbytes} bytes, got ${t.bytes.length}`,
      );
    return { ...t, type, nbytes };
  });
  const w = new HeaderWriter();
  w.u32(MAGIC);
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kv.length);
  for (const e of kv) {
    w.string(e.key);
    w.u32(TYPE_IDS.indexOf(e.type));
    writeValue(w, e.type, e.value, e.key);
  }
  let offset = 0;
  for (const t of placed) {
    w.string(t.name);
    w.u32(t.ne.length);
    for (const d of t.ne) w.u64(d);
    w.u32(t.type.id);
    w.u64(offset);
    offset = alignUp(offset + t.nbytes, alignment);
  }
  const header = w.bytes();
  await sink.write(header);
  await sink.write(new Uint8Array(alignUp(header.length, alignment) - header.length));
  for (const t of placed) {
    await sink.write(t.bytes);
    await sink.write(new Uint8Array(alignUp(t.nbytes, alignment) - t.nbytes));
  }
}
