/**
 * The quantized-model container: a safetensors file (any safetensors tool can list it) whose
 * `__metadata__` says what every tensor is.
 *
 *  - `wqe.format` = "wqe-quantized", `wqe.version` = "2" (a reader refuses other versions).
 *  - `wqe.tensors` = JSON { name: TensorInfo }.
 *  - `wqe.header_crc32` = CRC-32 of the rest of the header (every metadata key and value, every tensor's
 *    name, dtype, shape and offsets; `headerDigestText`), so a flipped bit in a key or a shape is caught
 *    before anything is trusted.
 *  - A quantized tensor is one U32 tensor [rows, codes+scales+aux words per row]: each row's three
 *    streams back to back (so rows can be written as they are quantized). TensorInfo gives the format
 *    id, its full parameters (β values and rotation seed for lattices; the codebook levels for
 *    codebook formats), rows/cols, the source shape and whether the matrix is the source transposed.
 *  - Every other tensor of the source is copied through unchanged: its own dtype, shape and bytes.
 *  - Every tensor carries a CRC-32 of its bytes, checked on read.
 */
import { CorruptFileError, FormatError, ShapeError, UnsupportedVersionError } from '../errors.js';
import type { QuantFormat, QuantizedMatrix } from '../formats/format.js';
import { parseFormat } from '../formats/registry.js';
import type { ByteSink, ByteSource } from './byte-source.js';
import { crc32, crcHex } from './crc32.js';
import {
  DTYPE_BYTES,
  FLOAT_DTYPES,
  readSafetensorsHeader,
  widenFloats,
  SafetensorsWriter,
  type PlannedTensor,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors.js';

/** The `wqe.format` value of a quantized container. */
export const CONTAINER_FORMAT = 'wqe-quantized';
/** The container version this build writes and reads. */
export const CONTAINER_VERSION = '2';
const HEADER_CRC_KEY = 'wqe.header_crc32';

interface Common {
  /** Shape of the tensor in the source model. */
  shape: number[];
  /** CRC-32 of the stored bytes, 8 hex digits. */
  crc32: string;
}
/** A quantized tensor of a container: its format, parameters, shape and stream layout. */
export interface QuantizedTensorInfo extends Common {
  kind: 'quantized';
  format: string;
  params: object;
  /** Codebook levels of LUT formats (sq…, nf4), so a file says exactly what it decodes to. */
  codebook?: number[];
  rows: number;
  cols: number;
  /** The quantized matrix (N×K, K contiguous) is the source tensor transposed (MatMul [in, out] weights). */
  transposed: boolean;
  words: { codes: number; scales: number; aux: number };
  bitsPerEntry: number;
}
/** A tensor copied from the source unchanged (biases, norms, integer tensors…). */
export interface CopiedTensorInfo extends Common {
  kind: 'copied';
  dtype: SafetensorsDtype;
}
/** What a container says about one tensor. */
export type TensorInfo = QuantizedTensorInfo | CopiedTensorInfo;

/** One tensor a ContainerWriter will write, in order. */
export type ContainerPlanEntry =
  | {
      name: string;
      kind: 'quantized';
      format: QuantFormat;
      rows: number;
      cols: number;
      shape: number[];
      transposed: boolean;
    }
  | { name: string; kind: 'copied'; dtype: SafetensorsDtype; shape: number[] };

const codebookOf = (f: QuantFormat) => (f.codebook ? [...f.codebook] : undefined);
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function infoFor(p: ContainerPlanEntry): TensorInfo {
  if (p.kind === 'copied') return { kind: 'copied', dtype: p.dtype, shape: p.shape, crc32: crcHex(0) };
  const l = p.format.layout(p.cols);
  const codebook = codebookOf(p.format);
  return {
    kind: 'quantized',
    format: p.format.id,
    params: p.format.params,
    ...(codebook ? { codebook } : {}),
    rows: p.rows,
    cols: p.cols,
    shape: p.shape,
    transposed: p.transposed,
    words: { ...l.wordsPerRow },
    bitsPerEntry: l.bitsPerEntry,
    crc32: crcHex(0),
  };
}

const rowWords = (i: QuantizedTensorInfo) => i.words.codes + i.words.scales + i.words.aux;

/**
 * The text the header checksum covers: every metadata entry but the checksum itself (sorted by key) and
 * every tensor entry (name, dtype, shape, offsets) in data order. A parsed view, so padding and key
 * order in the JSON do not matter but any change to what a reader would act on does.
 */
export function headerDigestText(
  metadata: Readonly<Record<string, string>>,
  entries: readonly Pick<SafetensorsEntry, 'name' | 'dtype' | 'shape' | 'begin' | 'end'>[],
): string {
  const meta = Object.keys(metadata)
    .filter((k) => k !== HEADER_CRC_KEY)
    .sort()
    .map((k) => [k, metadata[k]]);
  const ordered = [...entries].sort(
    (a, b) => a.begin - b.begin || a.end - b.end || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  return JSON.stringify([meta, ordered.map((e) => [e.name, e.dtype, e.shape, e.begin, e.end])]);
}

const headerCrc = (metadata: Readonly<Record<string, string>>, entries: Parameters<typeof headerDigestText>[1]) =>
  crcHex(crc32(new TextEncoder().encode(headerDigestText(metadata, entries))));

/** Serialised per-tensor infos: a null-prototype object, so any tensor name (`__proto__` too) is an own key. */
function tensorsJson(infos: ReadonlyMap<string, TensorInfo>): string {
  const o: Record<string, TensorInfo> = Object.create(null);
  for (const [k, v] of infos) o[k] = v;
  return JSON.stringify(o);
}

/** The container's metadata for these infos and tensor layout, header checksum included. */
function containerMetadata(
  infos: ReadonlyMap<string, TensorInfo>,
  layout: readonly PlannedTensor[],
): Record<string, string> {
  const m: Record<string, string> = {
    'wqe.format': CONTAINER_FORMAT,
    'wqe.version': CONTAINER_VERSION,
    'wqe.tensors': tensorsJson(infos),
  };
  let at = 0;
  const entries = layout.map((t) => {
    const size = numel(t.shape) * DTYPE_BYTES[t.dtype];
    return { name: t.name, dtype: t.dtype, shape: t.shape, begin: at, end: (at += size) };
  });
  m[HEADER_CRC_KEY] = headerCrc(m, entries);
  return m;
}

const bytesOf = (a: Uint32Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Writes a container tensor by tensor in plan order; quantized tensors may arrive in row chunks, copied ones in byte
 * chunks.
 */
export class ContainerWriter {
  private index = 0;
  private done = 0;
  private crc = 0;

  private constructor(
    private readonly writer: SafetensorsWriter,
    private readonly plan: readonly ContainerPlanEntry[],
    private readonly infos: Map<string, TensorInfo>,
    private readonly layout: readonly PlannedTensor[],
  ) {}

  static async begin(sink: ByteSink, plan: readonly ContainerPlanEntry[]): Promise<ContainerWriter> {
    const infos = new Map<string, TensorInfo>();
    const tensors: PlannedTensor[] = plan.map((p) => {
      if (infos.has(p.name))
        throw new ShapeError(`container writer: tensor name ${JSON.stringify(p.name)} is used twice`);
      const info = infoFor(p);
      infos.set(p.name, info);
      return info.kind === 'copied'
        ? { name: p.name, dtype: info.dtype, shape: p.shape }
        : { name: p.name, dtype: 'U32', shape: [info.rows, rowWords(info)] };
    });
    const writer = await SafetensorsWriter.begin(sink, tensors, containerMetadata(infos, tensors));
    const w = new ContainerWriter(writer, plan, infos, tensors);
    w.skipEmpty();
    return w;
  }

  private current<K extends ContainerPlanEntry['kind']>(kind: K): Extract<ContainerPlanEntry, { kind: K }> {
    const p = this.plan[this.index];
    if (!p) throw new ShapeError('container writer: every planned tensor is already written');
    if (p.kind !== kind)
      throw new ShapeError(`container writer: tensor ${JSON.stringify(p.name)} is ${p.kind}, got ${kind} data`);
    return p as Extract<ContainerPlanEntry, { kind: K }>;
  }

  private async put(bytes: Uint8Array) {
    this.crc = crc32(bytes, this.crc);
    await this.writer.write(bytes);
  }

  private next() {
    this.infos.get(this.plan[this.index].name)!.crc32 = crcHex(this.crc);
    this.index++;
    this.done = 0;
    this.crc = 0;
    this.skipEmpty();
  }

  /** Empty tensors are complete before any byte arrives. */
  private skipEmpty() {
    const p = this.plan[this.index];
    if (p?.kind === 'copied' && numel(p.shape) === 0) this.next();
  }

  /** The next rows of the current quantized tensor (its rows in order, any chunking). */
  async writeRows(q: QuantizedMatrix): Promise<void> {
    const p = this.current('quantized');
    const info = this.infos.get(p.name) as QuantizedTensorInfo;
    if (q.format.id !== info.format || q.cols !== info.cols)
      throw new ShapeError(
        `container writer: tensor ${JSON.stringify(p.name)} is ${info.format} with ${info.cols} columns, got ` +
          `${q.format.id} with ${q.cols}`,
      );
    if (this.done + q.rows > info.rows)
      throw new ShapeError(
        `container writer: tensor ${JSON.stringify(p.name)} has ${info.rows} rows, got ${this.done + q.rows}`,
      );
    const w = info.words;
    const out = new Uint32Array(q.rows * rowWords(info));
    for (let r = 0, o = 0; r < q.rows; r++) {
      out.set(q.codes.subarray(r * w.codes, (r + 1) * w.codes), o);
      out.set(q.scales.subarray(r * w.scales, (r + 1) * w.scales), (o += w.codes));
      out.set(q.aux.subarray(r * w.aux, (r + 1) * w.aux), (o += w.scales));
      o += w.aux;
    }
    await this.put(bytesOf(out));
    this.done += q.rows;
    if (this.done === info.rows) this.next();
  }

  /** The next bytes of the current copied tensor (its bytes in order, any chunking). */
  async writeBytes(bytes: Uint8Array): Promise<void> {
    const p = this.current('copied');
    const size = numel(p.shape) * DTYPE_BYTES[p.dtype];
    if (this.done + bytes.length > size)
      throw new ShapeError(
        `container writer: tensor ${JSON.stringify(p.name)} has ${size} bytes, got ${this.done + bytes.length}`,
      );
    await this.put(bytes);
    this.done += bytes.length;
    if (this.done === size) this.next();
  }

  /** The whole of the current copied tensor, given as f32 values (it must be planned as F32). */
  async writeFloat(data: Float32Array): Promise<void> {
    const p = this.current('copied');
    if (p.dtype !== 'F32')
      throw new ShapeError(`container writer: tensor ${JSON.stringify(p.name)} is ${p.dtype}, got f32 values`);
    const n = numel(p.shape);
    if (data.length !== n)
      throw new ShapeError(`container writer: tensor ${JSON.stringify(p.name)} has ${n} values, got ${data.length}`);
    await this.writeBytes(bytesOf(data));
  }

  async finish(): Promise<void> {
    if (this.index < this.plan.length)
      throw new ShapeError(`container writer: tensor ${JSON.stringify(this.plan[this.index].name)} was not written`);
    await this.writer.finish(containerMetadata(this.infos, this.layout));
  }
}

/** Checks one parsed tensor info field by field; every failure names the tensor and the field. */
function validateInfo(what: string, name: string, raw: unknown): TensorInfo {
  const base = `__metadata__.wqe.tensors[${JSON.stringify(name)}]`;
  const fail = (field: string, detail: string): never => {
    throw new CorruptFileError(what, `${base}.${field}`, 8, `tensor ${JSON.stringify(name)}: ${field} ${detail}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('(entry)', 'must be an object');
  const o = raw as Record<string, unknown>;
  const own = (k: string) => (Object.hasOwn(o, k) ? o[k] : undefined);
  const count = (k: string, min: number) => {
    const v = own(k);
    if (!Number.isSafeInteger(v) || (v as number) < min)
      fail(k, `must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const shape = own('shape');
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    fail('shape', `must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  const crc = own('crc32');
  if (typeof crc !== 'string' || !/^[0-9a-f]{8}$/.test(crc))
    fail('crc32', `must be 8 lowercase hex digits, got ${JSON.stringify(crc)}`);
  const kind = own('kind');
  if (kind === 'copied') {
    const dtype = own('dtype');
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype))
      fail('dtype', `is not a safetensors dtype: ${JSON.stringify(dtype)}`);
    return { kind, dtype: dtype as SafetensorsDtype, shape: shape as number[], crc32: crc as string };
  }
  if (kind !== 'quantized') return fail('kind', `must be "quantized" or "copied", got ${JSON.stringify(kind)}`);
  const format = own('format');
  if (typeof format !== 'string' || !format) fail('format', `must be a format id, got ${JSON.stringify(format)}`);
  const params = own('params');
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    fail('params', `must be an object, got ${JSON.stringify(params)}`);
  const codebook = own('codebook');
  if (codebook !== undefined && !(Array.isArray(codebook) && codebook.every((v) => typeof v === 'number')))
    fail('codebook', `must be an array of numbers, got ${JSON.stringify(codebook)}`);
  const transposed = own('transposed');
  if (typeof transposed !== 'boolean') fail('transposed', `must be true or false, got ${JSON.stringify(transposed)}`);
  const words = own('words');
  if (typeof words !== 'object' || words === null)
    fail('words', `must be { codes, scales, aux }, got ${JSON.stringify(words)}`);
  const w = words as Record<string, unknown>;
  for (const k of ['codes', 'scales', 'aux'])
    if (!Object.hasOwn(w, k) || !Number.isSafeInteger(w[k]) || (w[k] as number) < 0)
      fail(`words.${k}`, `must be an integer ≥ 0, got ${JSON.stringify(w[k])}`);
  const bits = own('bitsPerEntry');
  if (typeof bits !== 'number' || !(bits > 0))
    fail('bitsPerEntry', `must be a positive number, got ${JSON.stringify(bits)}`);
  return {
    kind,
    format: format as string,
    params: params as object,
    ...(codebook !== undefined ? { codebook: codebook as number[] } : {}),
    rows: count('rows', 1),
    cols: count('cols', 1),
    shape: shape as number[],
    transposed: transposed as boolean,
    words: { codes: w.codes as number, scales: w.scales as number, aux: w.aux as number },
    bitsPerEntry: bits as number,
    crc32: crc as string,
  };
}

/** An opened container: what each tensor is, and readers that check its checksum. */
export class ContainerReader {
  private constructor(
    readonly src: ByteSource,
    readonly header: SafetensorsHeader,
    /** Every tensor's info, in file order. */
    readonly tensors: ReadonlyMap<string, TensorInfo>,
    private readonly entries: ReadonlyMap<string, SafetensorsEntry>,
  ) {}

  static async open(src: ByteSource): Promise<ContainerReader> {
    const header = await readSafetensorsHeader(src);
    const m = header.metadata;
    const meta = (k: string) => (Object.hasOwn(m, k) ? m[k] : undefined);
    if (meta('wqe.format') !== CONTAINER_FORMAT)
      throw new CorruptFileError(
        src.name,
        '__metadata__.wqe.format',
        8,
        `not a quantized container (wqe.format is ${JSON.stringify(meta('wqe.format'))}, expected ` +
          `"${CONTAINER_FORMAT}")`,
      );
    const version = meta('wqe.version');
    if (version !== CONTAINER_VERSION) {
      if (version === '1')
        throw new UnsupportedVersionError(
          src.name,
          version,
          `${CONTAINER_VERSION}; version 1 files have no header checksum and store float tensors only, ` +
            `re-create it with wqe quantize`,
        );
      throw new UnsupportedVersionError(src.name, version ?? '(missing)', CONTAINER_VERSION);
    }
    const stored = meta(HEADER_CRC_KEY);
    const dataStart = header.dataStart;
    const relative = header.entries.map((e) => ({ ...e, begin: e.begin - dataStart, end: e.end - dataStart }));
    const want = headerCrc(m, relative);
    if (stored !== want)
      throw new CorruptFileError(
        src.name,
        `__metadata__.${HEADER_CRC_KEY}`,
        8,
        stored === undefined
          ? 'header checksum is missing'
          : `header checksum mismatch (CRC-32 ${want}, header says ${stored}): the header was changed after it ` +
              `was written`,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(meta('wqe.tensors') ?? '');
    } catch {
      throw new CorruptFileError(src.name, '__metadata__.wqe.tensors', 8, 'is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new CorruptFileError(src.name, '__metadata__.wqe.tensors', 8, 'must be an object');
    const byName = new Map(header.entries.map((e) => [e.name, e]));
    const tensors = new Map<string, TensorInfo>();
    for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
      const info = validateInfo(src.name, name, raw);
      const e = byName.get(name);
      const field = `__metadata__.wqe.tensors[${JSON.stringify(name)}]`;
      if (!e) throw new CorruptFileError(src.name, field, 8, 'names a tensor the file does not hold');
      if (info.kind === 'quantized') {
        if (e.dtype !== 'U32' || e.shape.length !== 2 || e.shape[0] !== info.rows || e.shape[1] !== rowWords(info)) {
          throw new CorruptFileError(
            src.name,
            field,
            8,
            `says ${info.rows} rows of ${rowWords(info)} words, the tensor is ${e.dtype} ${JSON.stringify(e.shape)}`,
          );
        }
      } else if (e.dtype !== info.dtype || JSON.stringify(e.shape) !== JSON.stringify(info.shape)) {
        throw new CorruptFileError(
          src.name,
          field,
          8,
          `says ${info.dtype} ${JSON.stringify(info.shape)}, the tensor is ${e.dtype} ${JSON.stringify(e.shape)}`,
        );
      }
      tensors.set(name, info);
    }
    for (const e of header.entries)
      if (!tensors.has(e.name))
        throw new CorruptFileError(
          src.name,
          `tensor ${JSON.stringify(e.name)}`,
          e.begin,
          'is in the file but not described in __metadata__.wqe.tensors',
        );
    return new ContainerReader(src, header, tensors, byName);
  }

  private info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw new ShapeError(`${this.src.name} has no tensor ${JSON.stringify(name)}`);
    return info;
  }

  private async checkedBytes(name: string): Promise<Uint8Array> {
    const e = this.entries.get(name)!;
    const bytes = await this.src.read(e.begin, e.end - e.begin);
    const got = crcHex(crc32(bytes));
    const want = this.info(name).crc32;
    if (got !== want)
      throw new CorruptFileError(
        this.src.name,
        `tensor ${name}`,
        e.begin,
        `checksum mismatch (CRC-32 ${got}, header says ${want})`,
      );
    return bytes;
  }

  /** A quantized tensor, checksum verified, with its format rebuilt and checked against the stored parameters. */
  async readQuantized(name: string): Promise<QuantizedMatrix> {
    const info = this.info(name);
    if (info.kind !== 'quantized')
      throw new ShapeError(`${this.src.name}: tensor ${JSON.stringify(name)} is not quantized`);
    const format = parseFormat(info.format);
    const codebook = codebookOf(format);
    const stored = JSON.stringify([info.params, info.codebook]);
    const built = JSON.stringify([format.params, codebook]);
    if (stored !== built)
      throw new FormatError(
        `${this.src.name}: tensor ${name} was written with ${info.format} = ${stored}, this build defines it as ` +
          `${built}`,
      );
    const layout = format.layout(info.cols);
    if (JSON.stringify(layout.wordsPerRow) !== JSON.stringify(info.words))
      throw new FormatError(
        `${this.src.name}: tensor ${name}: stored words per row ${JSON.stringify(info.words)} differ from ` +
          `${info.format}'s layout ${JSON.stringify(layout.wordsPerRow)}`,
      );
    const bytes = await this.checkedBytes(name);
    const all = new Uint32Array(bytes.slice().buffer);
    const w = info.words;
    const codes = new Uint32Array(info.rows * w.codes);
    const scales = new Uint32Array(info.rows * w.scales);
    const aux = new Uint32Array(info.rows * w.aux);
    for (let r = 0, o = 0; r < info.rows; r++) {
      codes.set(all.subarray(o, (o += w.codes)), r * w.codes);
      scales.set(all.subarray(o, (o += w.scales)), r * w.scales);
      aux.set(all.subarray(o, (o += w.aux)), r * w.aux);
    }
    return { format, rows: info.rows, cols: info.cols, layout, codes, scales, aux };
  }

  /** A copied tensor's bytes as stored (its dtype, little-endian), checksum verified. */
  async readCopied(name: string): Promise<{ dtype: SafetensorsDtype; shape: number[]; bytes: Uint8Array }> {
    const info = this.info(name);
    if (info.kind !== 'copied')
      throw new ShapeError(`${this.src.name}: tensor ${JSON.stringify(name)} is quantized; use readQuantized`);
    return { dtype: info.dtype, shape: info.shape, bytes: await this.checkedBytes(name) };
  }

  /** A copied float tensor (F32/F16/BF16/F64) as f32 values, checksum verified. */
  async readFloat(name: string): Promise<Float32Array> {
    const { dtype, shape, bytes } = await this.readCopied(name);
    if (!FLOAT_DTYPES.includes(dtype))
      throw new ShapeError(
        `${this.src.name}: tensor ${JSON.stringify(name)} is ${dtype}, not a float tensor; use readCopied`,
      );
    return widenFloats(bytes, dtype, numel(shape));
  }

  /** Reads every tensor, so every checksum is checked; returns how many. */
  async verifyAll(): Promise<number> {
    for (const [name, info] of this.tensors) {
      if (info.kind === 'quantized') await this.readQuantized(name);
      else await this.checkedBytes(name);
    }
    return this.tensors.size;
  }
}
