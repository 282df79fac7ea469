/**
 * The quantized-model container: a safetensors file (any safetensors tool can list it) whose
 * `__metadata__` says what every tensor is.
 *
 *  - `wqe.format` = "wqe-quantized", `wqe.version` = "1" (a reader refuses other versions).
 *  - `wqe.tensors` = JSON { name: TensorInfo }.
 *  - A quantized tensor is one U32 tensor [rows, codes+scales+aux words per row]: each row's three
 *    streams back to back (so rows can be written as they are quantized). TensorInfo gives the format
 *    id, its full parameters (β values and rotation seed for lattices; the codebook levels for
 *    codebook formats), rows/cols, the source shape and whether the matrix is the source transposed.
 *  - A tensor kept in float (biases, norms) is an F32 tensor of its source shape.
 *  - Every tensor carries a CRC-32 of its bytes, checked on read.
 */
import { CorruptFileError, FormatError, ShapeError, UnsupportedVersionError } from '../errors.js';
import type { QuantFormat, QuantizedMatrix } from '../formats/format.js';
import { LutCodec } from '../formats/elements.js';
import { parseFormat } from '../formats/registry.js';
import { ScaledFormat } from '../formats/scaled.js';
import type { ByteSink, ByteSource } from './byte-source.js';
import { crc32, crcHex } from './crc32.js';
import { readSafetensorsHeader, widenFloats, SafetensorsWriter, type PlannedTensor, type SafetensorsEntry, type SafetensorsHeader } from './safetensors.js';

export const CONTAINER_FORMAT = 'wqe-quantized';
export const CONTAINER_VERSION = '1';

interface Common {
  /** Shape of the tensor in the source model. */
  shape: number[];
  /** CRC-32 of the stored bytes, 8 hex digits. */
  crc32: string;
}
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
export interface FloatTensorInfo extends Common {
  kind: 'float';
}
export type TensorInfo = QuantizedTensorInfo | FloatTensorInfo;

export type ContainerPlanEntry =
  | { name: string; kind: 'quantized'; format: QuantFormat; rows: number; cols: number; shape: number[]; transposed: boolean }
  | { name: string; kind: 'float'; shape: number[] };

const codebookOf = (f: QuantFormat) => (f instanceof ScaledFormat && f.codec instanceof LutCodec ? Array.from(f.codec.levels) : undefined);

function infoFor(p: ContainerPlanEntry): TensorInfo {
  if (p.kind === 'float') return { kind: 'float', shape: p.shape, crc32: crcHex(0) };
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
const metadataOf = (infos: Record<string, TensorInfo>) => ({ 'wqe.format': CONTAINER_FORMAT, 'wqe.version': CONTAINER_VERSION, 'wqe.tensors': JSON.stringify(infos) });

const bytesOf = (a: Uint32Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Writes a container tensor by tensor in plan order; quantized tensors may arrive in row chunks. */
export class ContainerWriter {
  private index = 0;
  private rowsDone = 0;
  private crc = 0;

  private constructor(
    private readonly writer: SafetensorsWriter,
    private readonly plan: readonly ContainerPlanEntry[],
    private readonly infos: Record<string, TensorInfo>,
  ) {}

  static async begin(sink: ByteSink, plan: readonly ContainerPlanEntry[]): Promise<ContainerWriter> {
    const infos: Record<string, TensorInfo> = {};
    const tensors: PlannedTensor[] = plan.map((p) => {
      const info = (infos[p.name] = infoFor(p));
      return info.kind === 'float' ? { name: p.name, dtype: 'F32', shape: p.shape } : { name: p.name, dtype: 'U32', shape: [info.rows, rowWords(info)] };
    });
    return new ContainerWriter(await SafetensorsWriter.begin(sink, tensors, metadataOf(infos)), plan, infos);
  }

  private current(kind: TensorInfo['kind']) {
    const p = this.plan[this.index];
    if (!p) throw new ShapeError('container writer: every planned tensor is already written');
    if (p.kind !== kind) throw new ShapeError(`container writer: tensor ${p.name} is ${p.kind}, got ${kind} data`);
    return p;
  }

  private async put(bytes: Uint8Array) {
    this.crc = crc32(bytes, this.crc);
    await this.writer.write(bytes);
  }

  private next() {
    this.infos[this.plan[this.index].name].crc32 = crcHex(this.crc);
    this.index++;
    this.rowsDone = 0;
    this.crc = 0;
  }

  /** The next rows of the current quantized tensor (its rows in order, any chunking). */
  async writeRows(q: QuantizedMatrix): Promise<void> {
    const p = this.current('quantized') as Extract<ContainerPlanEntry, { kind: 'quantized' }>;
    const info = this.infos[p.name] as QuantizedTensorInfo;
    if (q.format.id !== info.format || q.cols !== info.cols) throw new ShapeError(`container writer: tensor ${p.name} is ${info.format} with ${info.cols} columns, got ${q.format.id} with ${q.cols}`);
    if (this.rowsDone + q.rows > info.rows) throw new ShapeError(`container writer: tensor ${p.name} has ${info.rows} rows, got ${this.rowsDone + q.rows}`);
    const w = info.words;
    const out = new Uint32Array(q.rows * rowWords(info));
    for (let r = 0, o = 0; r < q.rows; r++) {
      out.set(q.codes.subarray(r * w.codes, (r + 1) * w.codes), o);
      out.set(q.scales.subarray(r * w.scales, (r + 1) * w.scales), (o += w.codes));
      out.set(q.aux.subarray(r * w.aux, (r + 1) * w.aux), (o += w.scales));
      o += w.aux;
    }
    await this.put(bytesOf(out));
    this.rowsDone += q.rows;
    if (this.rowsDone === info.rows) this.next();
  }

  /** The whole of the current float tensor. */
  async writeFloat(data: Float32Array): Promise<void> {
    const p = this.current('float');
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new ShapeError(`container writer: tensor ${p.name} has ${n} values, got ${data.length}`);
    await this.put(bytesOf(data));
    this.next();
  }

  async finish(): Promise<void> {
    if (this.index < this.plan.length) throw new ShapeError(`container writer: tensor ${this.plan[this.index].name} was not written`);
    await this.writer.finish(metadataOf(this.infos));
  }
}

/** An opened container: what each tensor is, and readers that check its checksum. */
export class ContainerReader {
  private constructor(
    readonly src: ByteSource,
    readonly header: SafetensorsHeader,
    readonly tensors: Readonly<Record<string, TensorInfo>>,
  ) {}

  static async open(src: ByteSource): Promise<ContainerReader> {
    const header = await readSafetensorsHeader(src);
    const m = header.metadata;
    if (m['wqe.format'] !== CONTAINER_FORMAT) throw new CorruptFileError(src.name, '__metadata__.wqe.format', 8, `not a quantized container (wqe.format is ${JSON.stringify(m['wqe.format'])}, expected "${CONTAINER_FORMAT}")`);
    if (m['wqe.version'] !== CONTAINER_VERSION) throw new UnsupportedVersionError(src.name, m['wqe.version'] ?? '(missing)', CONTAINER_VERSION);
    let tensors: Record<string, TensorInfo>;
    try {
      tensors = JSON.parse(m['wqe.tensors'] ?? '');
    } catch {
      throw new CorruptFileError(src.name, '__metadata__.wqe.tensors', 8, 'is not valid JSON');
    }
    if (typeof tensors !== 'object' || tensors === null) throw new CorruptFileError(src.name, '__metadata__.wqe.tensors', 8, 'must be an object');
    const byName = new Map(header.entries.map((e) => [e.name, e]));
    for (const [name, info] of Object.entries(tensors)) {
      const e = byName.get(name);
      const field = `__metadata__.wqe.tensors.${name}`;
      if (!e) throw new CorruptFileError(src.name, field, 8, 'names a tensor the file does not hold');
      if (info.kind === 'quantized') {
        if (e.dtype !== 'U32' || e.shape.length !== 2 || e.shape[0] !== info.rows || e.shape[1] !== rowWords(info)) {
          throw new CorruptFileError(src.name, field, 8, `says ${info.rows} rows of ${rowWords(info)} words, the tensor is ${e.dtype} ${JSON.stringify(e.shape)}`);
        }
      } else if (info.kind === 'float') {
        if (e.dtype !== 'F32' || JSON.stringify(e.shape) !== JSON.stringify(info.shape)) throw new CorruptFileError(src.name, field, 8, `says F32 ${JSON.stringify(info.shape)}, the tensor is ${e.dtype} ${JSON.stringify(e.shape)}`);
      } else throw new CorruptFileError(src.name, field, 8, `unknown kind ${JSON.stringify((info as { kind: unknown }).kind)}`);
    }
    return new ContainerReader(src, header, tensors);
  }

  private entry(name: string): SafetensorsEntry {
    const e = this.header.entries.find((x) => x.name === name);
    if (!e || !this.tensors[name]) throw new ShapeError(`${this.src.name} has no tensor ${JSON.stringify(name)}`);
    return e;
  }

  private async checkedBytes(name: string): Promise<Uint8Array> {
    const e = this.entry(name);
    const bytes = await this.src.read(e.begin, e.end - e.begin);
    const got = crcHex(crc32(bytes));
    if (got !== this.tensors[name].crc32) throw new CorruptFileError(this.src.name, `tensor ${name}`, e.begin, `checksum mismatch (CRC-32 ${got}, header says ${this.tensors[name].crc32})`);
    return bytes;
  }

  /** A quantized tensor, checksum verified, with its format rebuilt and checked against the stored parameters. */
  async readQuantized(name: string): Promise<QuantizedMatrix> {
    const info = this.tensors[name];
    if (info?.kind !== 'quantized') throw new ShapeError(`${this.src.name}: tensor ${JSON.stringify(name)} is not quantized`);
    const format = parseFormat(info.format);
    const codebook = codebookOf(format);
    const stored = JSON.stringify([info.params, info.codebook]);
    const built = JSON.stringify([format.params, codebook]);
    if (stored !== built) throw new FormatError(`${this.src.name}: tensor ${name} was written with ${info.format} = ${stored}, this build defines it as ${built}`);
    const layout = format.layout(info.cols);
    if (JSON.stringify(layout.wordsPerRow) !== JSON.stringify(info.words)) throw new FormatError(`${this.src.name}: tensor ${name}: stored words per row ${JSON.stringify(info.words)} differ from ${info.format}'s layout ${JSON.stringify(layout.wordsPerRow)}`);
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

  /** A float tensor, checksum verified. */
  async readFloat(name: string): Promise<Float32Array> {
    const info = this.tensors[name];
    if (info?.kind !== 'float') throw new ShapeError(`${this.src.name}: tensor ${JSON.stringify(name)} is not a float tensor`);
    const bytes = await this.checkedBytes(name);
    return widenFloats(bytes, 'F32', bytes.length / 4);
  }
}
