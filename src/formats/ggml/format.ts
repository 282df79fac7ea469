/**
 * ggml's block types as engine formats (`q4_0`, `q4_K`, `iq4_xs`…; docs/interop.md). A row is stored as
 * ggml stores it: its blocks, byte for byte, in the codes stream (the scales and aux streams are empty),
 * so a GGUF tensor loads without re-quantizing and a quantized matrix writes back to GGUF unchanged. A
 * row whose length is not a multiple of the block is zero-padded to whole blocks; the padding is never
 * read back (decode and the matmul templates stop at K). The GPU decodes the same bytes
 * (shaders/formats/ggml.wgsl); there is no GPU encoder: `engine.quantize` encodes on the CPU and uploads.
 */
import { FormatError } from '../../errors.js';
import type { Matrix } from '../../matrix.js';
import type { Rng } from '../../reference/random.js';
import {
  checkQuantized,
  type EncodeOptions,
  type Layout,
  makeLayout,
  type QuantFormat,
  type QuantizedMatrix,
  type WgslSpec,
} from '../format.js';
import { GGML_TYPES_BY_NAME } from '../../io/ggml-types.js';
import { BLOCK_CODECS, type BlockCodec } from './blocks.js';

/** The ggml types the engine runs (every one with a bit-exact encoder and decoder). */
export const GGML_FORMAT_IDS = [
  'q4_0',
  'q4_1',
  'q5_0',
  'q8_0',
  'q2_K',
  'q3_K',
  'q4_K',
  'q5_K',
  'q6_K',
  'iq4_nl',
  'iq4_xs',
] as const;

/** The types whose elements are signed integers (|i| ≤ 127) times a factor shared by ≥ 8 entries. */
const INT_BLOCK_TYPES: readonly string[] = ['q4_0', 'q5_0', 'q8_0', 'iq4_nl', 'q3_K', 'q6_K', 'iq4_xs'];

/** The canonical ggml name of an id in any letter case (`q4_k` → `q4_K`), or null. */
export function ggmlFormatName(id: string): string | null {
  const lower = id.toLowerCase();
  return GGML_FORMAT_IDS.find((n) => n.toLowerCase() === lower) ?? null;
}

/**
 * One ggml block type as an engine format: rows stored as ggml's bytes, encoded with ggml's quantizer.
 *
 * @example
 * const q4k = parseFormat('q4_K') as GgmlFormat;
 * const bytes = q4k.toGgmlBytes(q4k.encode(w)); // what llama-quantize would write for w
 */
export class GgmlFormat implements QuantFormat {
  readonly id: string;
  readonly family = 'ggml';
  readonly params: { kind: 'ggml'; type: string; block: number; bytes: number };
  readonly wgsl: WgslSpec;
  readonly codec: BlockCodec;
  private readonly layouts = new Map<number, Layout>();

  constructor(name: string) {
    const codec = BLOCK_CODECS.get(name);
    if (!codec?.encode || !GGML_TYPES_BY_NAME.has(name))
      throw new FormatError(`not a ggml type the engine runs: ${name}`);
    this.codec = codec;
    this.id = name;
    // an element is a small integer times a factor shared by ≥ 8 consecutive entries (shaders/formats/ggml_int.wgsl)
    const intBlocks = INT_BLOCK_TYPES.includes(name);
    this.params = { kind: 'ggml', type: name, block: codec.block, bytes: codec.bytes };
    this.wgsl = {
      parts: ['formats/streams.wgsl', `formats/ggml/${name}.wgsl`, ...(intBlocks ? ['formats/ggml_int.wgsl'] : [])],
      snippet: 'formats/ggml.wgsl',
      intBlocks,
      // BITS: the streams' field readers (unused here) need a width; the codes are read as bytes
      constants: { BLOCK: codec.block, BLOCK_BYTES: codec.bytes, BITS: 8 },
    };
  }

  /** Bytes of one stored row of K entries (whole blocks). */
  rowBytes(K: number): number {
    return Math.ceil(K / this.codec.block) * this.codec.bytes;
  }

  layout(K: number): Layout {
    let l = this.layouts.get(K);
    if (!l) {
      // the block's scales live inside its bytes: everything is counted as codes
      l = makeLayout(K, this.codec.block, { codes: 8 * this.rowBytes(K), scales: 0, aux: 0 });
      this.layouts.set(K, l);
    }
    return l;
  }

  /** The codes stream as the rows' ggml bytes (each row starts on a word). */
  private rowView(q: { codes: Uint32Array; cols: number }, r: number): Uint8Array {
    const words = this.layout(q.cols).wordsPerRow.codes;
    return new Uint8Array(q.codes.buffer, q.codes.byteOffset + 4 * r * words, this.rowBytes(q.cols));
  }

  /**
   * Encodes with ggml's quantizer, row by row. A block whose scale overflows f16 (|x| past ~65504 times
   * the type's level range) decodes to ±Infinity/NaN: each block is decoded back and such a block is a
   * FormatError naming `options.what`, the row and the block.
   */
  encode(m: Matrix, options: EncodeOptions = {}): QuantizedMatrix {
    const what = options.what ?? 'encode';
    const { block, bytes } = this.codec;
    const K = m.cols;
    const layout = this.layout(K);
    const Kp = Math.ceil(K / block) * block;
    const q = {
      format: this,
      rows: m.rows,
      cols: K,
      layout,
      codes: new Uint32Array(m.rows * layout.wordsPerRow.codes),
      scales: new Uint32Array(0),
      aux: new Uint32Array(0),
    };
    const encode = this.codec.encode!;
    const row = new Float32Array(Kp);
    const back = new Float32Array(block);
    for (let r = 0; r < m.rows; r++) {
      row.set(m.data.subarray(r * K, (r + 1) * K));
      const out = this.rowView(q, r);
      for (let b = 0; b < Kp / block; b++) {
        encode(row, b * block, out, b * bytes);
        this.codec.decode(out, b * bytes, back, 0);
        if (!back.every(Number.isFinite))
          throw new FormatError(
            `${what}: ${this.id} cannot store row ${r} (block at col ${b * block}): its scale overflows f16; ` +
              'scale the tensor down',
          );
      }
    }
    return q;
  }

  decode(q: QuantizedMatrix): Matrix {
    checkQuantized(q, this, 'decode');
    const K = q.cols;
    const Kp = Math.ceil(K / this.codec.block) * this.codec.block;
    const out = new Float32Array(q.rows * K);
    const row = new Float32Array(Kp);
    for (let r = 0; r < q.rows; r++) {
      const bytes = this.rowView(q, r);
      for (let b = 0; b < Kp / this.codec.block; b++)
        this.codec.decode(bytes, b * this.codec.bytes, row, b * this.codec.block);
      out.set(row.subarray(0, K), r * K);
    }
    return { rows: q.rows, cols: K, data: out };
  }

  /** Encoding is the check (see encode). */
  checkRepresentable(m: Matrix, what: string): void {
    this.encode(m, { what });
  }

  /** The matrix's rows as ggml bytes, rows × rowBytes(K) (for a GGUF tensor); K must be whole blocks. */
  toGgmlBytes(q: QuantizedMatrix): Uint8Array {
    checkQuantized(q, this, 'toGgmlBytes');
    const rb = this.rowBytes(q.cols);
    const out = new Uint8Array(q.rows * rb);
    for (let r = 0; r < q.rows; r++) out.set(this.rowView(q, r), r * rb);
    return out;
  }

  /** A quantized matrix holding ggml bytes as they are (rows × K, K a multiple of the block): no re-quantizing. */
  fromGgmlBytes(bytes: Uint8Array, rows: number, K: number): QuantizedMatrix {
    if (K % this.codec.block !== 0)
      throw new FormatError(`${this.id}: a row of ${K} entries is not whole blocks of ${this.codec.block}`);
    const rb = this.rowBytes(K);
    if (bytes.length !== rows * rb)
      throw new FormatError(`${this.id}: ${rows}×${K} takes ${rows * rb} bytes, got ${bytes.length}`);
    const layout = this.layout(K);
    const codes = new Uint32Array(rows * layout.wordsPerRow.codes);
    const q = { format: this, rows, cols: K, layout, codes, scales: new Uint32Array(0), aux: new Uint32Array(0) };
    for (let r = 0; r < rows; r++) this.rowView(q, r).set(bytes.subarray(r * rb, (r + 1) * rb));
    return q;
  }
}

/**
 * Rows that exercise a ggml type's corner cases (the patterns of ggml's own golden input): Gaussian,
 * ×0.01, ×100, ±30 outliers, all zero, +3 offset (every min positive), ×1e-5 (f16 scales subnormal).
 */
export function ggmlBoundaryInput(_format: GgmlFormat, rows: number, cols: number, rng: Rng): Matrix {
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const z = rng.normal();
      const v = [z, 0.01 * z, 100 * z, c % 97 === 0 ? (c % 2 ? -30 : 30) : z, 0, z + 3, 1e-5 * z][r % 7];
      data[r * cols + c] = v;
    }
  }
  return { rows, cols, data };
}
