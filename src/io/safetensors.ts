/**
 * safetensors reader and writer. Layout: an 8-byte little-endian header length N, N bytes of JSON
 * ({ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { string: string } }, may be
 * padded with spaces), then the data section, which the tensors must tile exactly (no holes, no
 * overlaps). Reads go through a ByteSource, so a tensor is read row-chunk by row-chunk and a
 * multi-GB file never sits in memory whole. Every violation is a CorruptFileError naming the field.
 */
import { CorruptFileError, ShapeError } from '../errors.js';
import { f16BitsToF32 } from '../formats/f16.js';
import type { ByteSink, ByteSource } from './byte-source.js';

/** Bytes per element of every safetensors dtype. */
export const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
} as const;
/** A safetensors dtype name (F32, I64, F8_E4M3…). */
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;
/** Dtypes the float readers convert to f32 (F64 rounded to nearest; a value past f32's range becomes ±Infinity). */
export const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16', 'F64'];

/** Headers past this size are refused (the format's own limit is 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

/** One tensor of a safetensors header, with absolute byte offsets. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte offsets in the file. */
  begin: number;
  end: number;
}

/** A parsed, validated safetensors header. */
export interface SafetensorsHeader {
  /** Where the data section starts (8 + header length). */
  dataStart: number;
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Parses and validates the header of a safetensors file of `size` bytes (`json`: the N header bytes). */
export function parseSafetensorsHeader(json: Uint8Array, size: number, what: string): SafetensorsHeader {
  const fail = (field: string, detail: string, offset = 8): never => {
    throw new CorruptFileError(what, field, offset, detail);
  };
  const dataStart = 8 + json.length;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch {
    return fail('header', 'header is not valid UTF-8');
  }
  if (!text.startsWith('{'))
    fail('header', `header must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 16))}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return fail('header', `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return fail('header', 'header must be a JSON object');
  const metadata: Record<string, string> = Object.create(null);
  const entries: SafetensorsEntry[] = [];
  for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('__metadata__', 'must be an object of strings');
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') fail(`__metadata__.${k}`, `must be a string, got ${typeof s}`);
        metadata[k] = s as string;
      }
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`tensor ${name}`, 'entry must be an object');
    const e = v as Record<string, unknown>;
    const dtype = e.dtype;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype))
      fail(`tensor ${name}.dtype`, `unknown dtype ${JSON.stringify(dtype)}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      fail(`tensor ${name}.shape`, `shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    const offs = e.data_offsets;
    if (
      !Array.isArray(offs) ||
      offs.length !== 2 ||
      !offs.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offs[0] > offs[1]
    ) {
      fail(`tensor ${name}.data_offsets`, `must be [begin, end] with 0 ≤ begin ≤ end, got ${JSON.stringify(offs)}`);
    }
    const [b, en] = offs as number[];
    const bytes = numel(shape as number[]) * DTYPE_BYTES[dtype as SafetensorsDtype];
    if (en - b !== bytes)
      fail(
        `tensor ${name}.data_offsets`,
        `[${b}, ${en}] holds ${en - b} bytes but ${dtype} ${JSON.stringify(shape)} needs ${bytes}`,
      );
    entries.push({
      name,
      dtype: dtype as SafetensorsDtype,
      shape: shape as number[],
      begin: dataStart + b,
      end: dataStart + en,
    });
  }
  // The tensors must tile the data section exactly; a duplicate key (JSON.parse keeps the last) shows up as a hole.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = dataStart;
  for (const e of sorted) {
    if (e.begin !== at)
      fail(
        `tensor ${e.name}.data_offsets`,
        e.begin < at
          ? `overlaps the tensor before it (starts at data byte ${e.begin - dataStart}, previous ends at ` +
              `${at - dataStart})`
          : `leaves a hole of ${e.begin - at} bytes before it`,
        e.begin,
      );
    at = e.end;
  }
  if (at !== size)
    fail(
      'data section',
      at > size
        ? `tensors end at byte ${at} but the file has ${size} bytes (truncated?)`
        : `${size - at} bytes after the last tensor are not indexed by the header`,
      Math.min(at, size),
    );
  return { dataStart, entries, metadata };
}

/** Reads and validates the header of a safetensors file. */
export async function readSafetensorsHeader(src: ByteSource): Promise<SafetensorsHeader> {
  if (src.size < 8)
    throw new CorruptFileError(
      src.name,
      'header length',
      0,
      `file has ${src.size} bytes, fewer than the 8-byte header length`,
    );
  const lenBytes = await src.read(0, 8);
  const dv = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8);
  const hi = dv.getUint32(4, true);
  const n = hi * 2 ** 32 + dv.getUint32(0, true);
  if (hi !== 0 || n > MAX_HEADER_BYTES)
    throw new CorruptFileError(
      src.name,
      'header length',
      0,
      `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`,
    );
  if (n < 2)
    throw new CorruptFileError(src.name, 'header length', 0, `header length ${n} is too short for a JSON object`);
  if (8 + n > src.size)
    throw new CorruptFileError(
      src.name,
      'header',
      8,
      `header length ${n} runs past the end of the ${src.size}-byte file (truncated?)`,
    );
  return parseSafetensorsHeader(await src.read(8, n), src.size, src.name);
}

/** Widens `count` values of a float dtype starting at `bytes[0]` to f32. */
export function widenFloats(
  bytes: Uint8Array,
  dtype: SafetensorsDtype,
  count: number,
  out = new Float32Array(count),
): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'F32') for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
  else if (dtype === 'F16') for (let i = 0; i < count; i++) out[i] = f16BitsToF32(dv.getUint16(2 * i, true));
  else if (dtype === 'BF16') {
    const u = new Uint32Array(1);
    const f = new Float32Array(u.buffer);
    for (let i = 0; i < count; i++) {
      u[0] = dv.getUint16(2 * i, true) << 16;
      out[i] = f[0];
    }
  } else if (dtype === 'F64') for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true);
  else throw new ShapeError(`dtype ${dtype} is not a float type (${FLOAT_DTYPES.join(', ')})`);
  return out;
}

/** A float tensor viewed as rows × cols: the last dimension is cols (a 1-D tensor is one row). */
function tensorRowsCols(e: SafetensorsEntry): { rows: number; cols: number } {
  const cols = e.shape.length ? e.shape[e.shape.length - 1] : 1;
  return { rows: cols ? numel(e.shape) / cols : 0, cols };
}

/**
 * Rows [row0, row0 + rows) of a float tensor as f32 (row-major, `cols` wide). Reading a big tensor as
 * a series of these keeps memory at one chunk.
 */
export async function readFloatRows(
  src: ByteSource,
  e: SafetensorsEntry,
  row0: number,
  rows: number,
): Promise<Float32Array> {
  const { rows: total, cols } = tensorRowsCols(e);
  if (row0 < 0 || rows < 0 || row0 + rows > total)
    throw new ShapeError(`tensor ${e.name}: rows [${row0}, ${row0 + rows}) outside its ${total} rows`);
  return readFloatSpan(src, e, row0 * cols, rows * cols);
}

/** Elements [first, first + count) of a float tensor in row-major order, as f32. */
export async function readFloatSpan(
  src: ByteSource,
  e: SafetensorsEntry,
  first: number,
  count: number,
): Promise<Float32Array> {
  if (!FLOAT_DTYPES.includes(e.dtype))
    throw new ShapeError(
      `tensor ${e.name} has dtype ${e.dtype}; only ${FLOAT_DTYPES.join(', ')} tensors can be read as floats`,
    );
  const total = numel(e.shape);
  if (first < 0 || count < 0 || first + count > total)
    throw new ShapeError(`tensor ${e.name}: elements [${first}, ${first + count}) outside its ${total}`);
  const size = DTYPE_BYTES[e.dtype];
  const bytes = await src.read(e.begin + first * size, count * size);
  // F32 at a 4-byte aligned offset of a buffer of its own: a view, no second copy of the chunk.
  if (
    e.dtype === 'F32' &&
    bytes.byteOffset % 4 === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
  )
    return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  return widenFloats(bytes, e.dtype, count);
}

/** A whole float tensor as f32. */
export async function readFloatTensor(src: ByteSource, e: SafetensorsEntry): Promise<Float32Array> {
  return readFloatRows(src, e, 0, tensorRowsCols(e).rows);
}

/** A tensor SafetensorsWriter will write: name, dtype, shape. */
export interface PlannedTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
}

/**
 * Writes a safetensors file tensor by tensor, in the planned order, each as one or more sequential
 * chunks. The header is written first with the metadata given to `begin` and patched by `finish` with
 * the final metadata, which must serialise to no more bytes (the rest is padded with spaces): callers
 * put fixed-width placeholders (checksums) in the first version.
 */
export class SafetensorsWriter {
  private readonly sizes: number[];
  private headerBytes = 0;
  private index = 0;
  private written = 0;

  private constructor(
    private readonly sink: ByteSink,
    private readonly plan: readonly PlannedTensor[],
  ) {
    this.sizes = plan.map((t) => numel(t.shape) * DTYPE_BYTES[t.dtype]);
  }

  static async begin(
    sink: ByteSink,
    plan: readonly PlannedTensor[],
    metadata: Record<string, string>,
  ): Promise<SafetensorsWriter> {
    const names = new Set<string>();
    for (const t of plan) {
      if (t.name === '__metadata__' || names.has(t.name))
        throw new ShapeError(`tensor name ${JSON.stringify(t.name)} is reserved or used twice`);
      names.add(t.name);
    }
    const w = new SafetensorsWriter(sink, plan);
    const header = w.header(metadata);
    w.headerBytes = header.length;
    await sink.write(w.framed(header, header.length));
    return w;
  }

  private header(metadata: Record<string, string>): Uint8Array {
    // Null prototype: a tensor named __proto__ is an own key like any other.
    const obj: Record<string, unknown> = Object.create(null);
    obj.__metadata__ = metadata;
    let at = 0;
    this.plan.forEach((t, i) => {
      obj[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, (at += this.sizes[i])] };
    });
    return new TextEncoder().encode(JSON.stringify(obj));
  }

  /** Length prefix + JSON padded with spaces to `length` rounded up to 8 (keeps the data section aligned). */
  private framed(json: Uint8Array, length: number): Uint8Array {
    const padded = Math.ceil(length / 8) * 8;
    const out = new Uint8Array(8 + padded).fill(0x20, 8);
    new DataView(out.buffer).setUint32(0, padded, true);
    out.set(json, 8);
    return out;
  }

  /** Appends the next bytes of the current tensor (tensors complete in plan order). */
  async write(bytes: Uint8Array): Promise<void> {
    let b = bytes;
    while (b.length) {
      if (this.index >= this.plan.length)
        throw new ShapeError(`safetensors writer: ${b.length} bytes past the last planned tensor`);
      const room = this.sizes[this.index] - this.written;
      const take = Math.min(room, b.length);
      await this.sink.write(b.subarray(0, take));
      this.written += take;
      b = b.subarray(take);
      if (this.written === this.sizes[this.index]) {
        this.index++;
        this.written = 0;
        while (this.index < this.plan.length && this.sizes[this.index] === 0) this.index++;
      }
    }
  }

  /** Patches the header with the final metadata and closes the sink. */
  async finish(metadata: Record<string, string>): Promise<void> {
    while (this.index < this.plan.length && this.sizes[this.index] === 0) this.index++;
    if (this.index < this.plan.length)
      throw new ShapeError(
        `safetensors writer: tensor ${this.plan[this.index].name} is incomplete (${this.written} of ` +
          `${this.sizes[this.index]} bytes)`,
      );
    const header = this.header(metadata);
    if (header.length > this.headerBytes)
      throw new ShapeError(
        `safetensors writer: final header (${header.length} bytes) is longer than the reserved ${this.headerBytes}`,
      );
    await this.sink.patch(0, this.framed(header, this.headerBytes));
    await this.sink.close();
  }
}
