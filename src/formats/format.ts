import { FormatError, ShapeError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { packRow } from './bitpack.js';

/**
 * Every quantized matrix is stored as three u32 streams, K contiguous, each row starting on a fresh
 * word (docs/layouts.md §1):
 *  - `codes`:  the bit-packed element codes;
 *  - `scales`: per-group scales (f16 bits two per word, or f32);
 *  - `aux`:    format-specific side information (INT: packed zero points). May be empty.
 * The GPU binds the same three arrays, so a format's CPU and WGSL code read one description.
 */
export type StreamName = 'codes' | 'scales' | 'aux';
const STREAM_NAMES: readonly StreamName[] = ['codes', 'scales', 'aux'];

/** Bits per row spent on each part, everything counted. */
export interface BitsBreakdown {
  codes: number;
  scales: number;
  aux: number;
  padding: number;
}

/** Storage layout of a rows×K matrix in a format. Depends on K only (rows are independent). */
export interface Layout {
  readonly K: number;
  /** Entries per scale group along K (the last group of a row may be partial). */
  readonly groupSize: number;
  /** Groups per row: ceil(K / groupSize). */
  readonly groups: number;
  /** u32 words per row in each stream. */
  readonly wordsPerRow: Readonly<Record<StreamName, number>>;
  /** Bits per row by purpose; padding is whatever rounds a stream up to whole words. */
  readonly bitsPerRow: Readonly<BitsBreakdown>;
  /** Total stored bits per matrix entry: 32·Σ wordsPerRow / K. Computed, never typed in. */
  readonly bitsPerEntry: number;
  /** Length of the stored (coding-domain) rows when it differs from K (rotation / block padding). */
  readonly codedK?: number;
}

/**
 * How a format that codes rows in a transformed domain (a Hadamard rotation and/or zero padding to
 * whole blocks) maps K-wide rows there. Its GPU decode returns coding-domain values; the engine moves
 * an f32 partner operand into the same domain before a product, and back after a dequantize.
 */
export interface CodingDomain {
  /** Stored row length for K logical entries. */
  paddedK(K: number): number;
  /** The rotation applied along K, or null for padding only. */
  rotation(K: number): import('../transforms/hadamard.js').HadamardRotation | null;
}

/** A compile-time constant: u32, bool, an exact f32, or an array of exact f32s. */
export type WgslConstant = number | boolean | { f32: number } | { f32array: readonly number[] };

/** A snippet path, or a named sub-instance of a snippet with its own constants. */
export type WgslPart =
  | string
  | { readonly snippet: string; readonly as: string; readonly constants: Readonly<Record<string, WgslConstant>> };

/** How a format plugs into the WGSL templates: a snippet file plus compile-time constants. */
export interface WgslSpec {
  /** Path under shaders/ of the snippet declaring the streams and FMT_decode(row, k). */
  readonly snippet: string;
  /** Path under shaders/ of the encoder snippet (FMT_encode_{scales,aux,codes}_word), if the GPU can encode. */
  readonly encodeSnippet?: string;
  /** Encoder-only parts (they may call src_value / tensor_amax of the quantize template). */
  readonly encodeParts?: readonly WgslPart[];
  /**
   * Snippets the format is composed from (e.g. its element codec), instantiated before `snippet`. A
   * part given as `{ snippet, as, constants }` is a named sub-instance: its FMT_ becomes FMT_<as>_ and
   * its constants are its own (e.g. the E4M3 block-scale codec inside NVFP4).
   */
  readonly parts?: readonly WgslPart[];
  /** Order of the GPU encode passes (default scales, aux, codes); each pass may read earlier ones. */
  readonly encodeOrder?: readonly StreamName[];
  /** The encoder needs the tensor's max |x| (a reduction pass runs first; see quantize.wgsl). */
  readonly needsTensorMax?: boolean;
  /**
   * The snippet defines FMT_int8x8 (8 entries as signed bytes times one factor, common/block8.wgsl), so
   * two such operands multiply on the integer path (matmul/gemm_int.wgsl, gemv_int.wgsl).
   */
  readonly intBlocks?: boolean;
  /**
   * The snippet defines FMT_affine_codes8 (8 codes as f32, each times a power of two: read where they sit
   * in their word), FMT_affine_units (those powers' inverses) and FMT_affine_group (the group's scale and
   * offset: value_i = scale·(code_i − offset)), so the weight-only GEMV folds the scale and offset into
   * the dot product once per group (matmul/gemv_affine.wgsl) instead of decoding every entry.
   */
  readonly affineBlocks?: boolean;
  /** Compile-time constants (`const FMT_<NAME>`); part of the pipeline cache key. */
  readonly constants: Readonly<Record<string, WgslConstant>>;
  /**
   * The GPU encoder is a search of its own — the trellis formats' Viterbi (src/ops/viterbi.ts,
   * shaders/trellis_viterbi.wgsl) — not quantize.wgsl's per-word passes; these are the search's own
   * constants (its target units: TARGET_UNIT, TARGET_SCALE, TARGET_CLAMP), beside `constants`' L, KBITS
   * and SEGMENT.
   */
  readonly viterbi?: Readonly<Record<string, WgslConstant>>;
}

export interface EncodeOptions {
  /** max |x| of the whole tensor when `m` is a row window of it (formats with `wgsl.needsTensorMax`). */
  tensorAbsMax?: number;
  /** What the matrix is, for the FormatError of a scale that cannot be stored (default 'encode'). */
  what?: string;
}

/** A quantized matrix held on the CPU. */
export interface QuantizedMatrix {
  readonly format: QuantFormat;
  readonly rows: number;
  readonly cols: number;
  readonly layout: Layout;
  readonly codes: Uint32Array;
  readonly scales: Uint32Array;
  readonly aux: Uint32Array;
}

/** One quantization format: parameters, layout, CPU encode/decode and its WGSL description. */
export interface QuantFormat {
  /** Stable string id, e.g. `int4-g32`; `parseFormat(id)` gives the format back. */
  readonly id: string;
  /** The family it belongs to: the name of its registration in formats/traits.ts (e.g. 'int', 'mx', 'lattice'). */
  readonly family: string;
  /** Codebook formats: the levels the codes decode to (stored in containers, so a file says exactly what it holds). */
  readonly codebook?: readonly number[];
  /** Parameters as a plain object (what the bench prints as `params`). */
  readonly params: object;
  layout(K: number): Layout;
  /**
   * Quantizes row by row along K. Throws FormatError when a scale cannot be stored. Rows are
   * independent except for a tensor-wide scale (NVFP4), which `options.tensorAbsMax` fixes so a big
   * tensor can be encoded in row chunks with the scale of the whole.
   */
  encode(m: Matrix, options?: EncodeOptions): QuantizedMatrix;
  /** Reconstructs the f32 matrix exactly as the GPU decode does. */
  decode(q: QuantizedMatrix): Matrix;
  /** Throws a FormatError if some group of `m` cannot be represented (e.g. f16 scale overflow). */
  checkRepresentable(m: Matrix, what: string): void;
  readonly wgsl: WgslSpec;
  /** Present when rows are coded in a transformed domain (nested-lattice formats). */
  readonly coding?: CodingDomain;
  /**
   * Present when rows are stored centred (the universal scheme, docs/universal.md): each row's mean μ is f32
   * word `meanWord` of its scales, a product adds K·μ_x·μ_w, and the two operands of a product must
   * carry different dither seeds (equal ones would correlate their errors). subtractMean = false: μ = 0 is
   * stored (the uncentred ablation).
   */
  readonly centred?: { readonly meanWord: number; readonly ditherSeed: number; readonly subtractMean: boolean };
}

/** Builds a Layout from per-row bit counts; words are rounded up per stream. */
export function makeLayout(K: number, groupSize: number, bits: { codes: number; scales: number; aux: number }): Layout {
  const groups = Math.ceil(K / groupSize);
  const wordsPerRow = {
    codes: Math.ceil(bits.codes / 32),
    scales: Math.ceil(bits.scales / 32),
    aux: Math.ceil(bits.aux / 32),
  };
  const totalWords = wordsPerRow.codes + wordsPerRow.scales + wordsPerRow.aux;
  const padding = 32 * totalWords - bits.codes - bits.scales - bits.aux;
  return {
    K,
    groupSize,
    groups,
    wordsPerRow,
    bitsPerRow: { codes: bits.codes, scales: bits.scales, aux: bits.aux, padding },
    bitsPerEntry: (32 * totalWords) / K,
  };
}

/**
 * Checks a quantized matrix against `format` before it is decoded or uploaded: same format, positive
 * integer sizes, and each stream a Uint32Array of exactly rows × the layout's words per row. A short or
 * missing stream would otherwise decode to wrong values (or crash) without a word.
 */
export function checkQuantized(q: QuantizedMatrix, format: QuantFormat, what = 'decode'): void {
  if (typeof q !== 'object' || q === null)
    throw new ShapeError(`${what}: expected a quantized matrix, got ${q === null ? 'null' : typeof q}`);
  const id = (q.format as QuantFormat | undefined)?.id;
  if (id !== format.id)
    throw new FormatError(`${what}: matrix is ${id === undefined ? 'without a format' : id}, not ${format.id}`);
  for (const k of ['rows', 'cols'] as const)
    if (!Number.isSafeInteger(q[k]) || q[k] <= 0)
      throw new ShapeError(`${what}: ${k} must be a positive integer, got ${String(q[k])}`);
  const wpr = format.layout(q.cols).wordsPerRow;
  for (const s of STREAM_NAMES) {
    const data = q[s] as Uint32Array | null | undefined;
    if (!(data instanceof Uint32Array))
      throw new ShapeError(
        `${what}: ${format.id} ${s} stream must be a Uint32Array, got ${data === null ? 'null' : typeof data}`,
      );
    const want = q.rows * wpr[s];
    if (data.length !== want)
      throw new ShapeError(
        `${what}: ${format.id} ${s} stream has ${data.length} words, ${q.rows} rows × ${wpr[s]} words per row ` +
          `at K = ${q.cols} need ${want}`,
      );
    if (q.layout?.wordsPerRow?.[s] !== wpr[s])
      throw new ShapeError(
        `${what}: the matrix's layout says ${q.layout?.wordsPerRow?.[s]} ${s} words per row, ${format.id} at K ` +
          `= ${q.cols} has ${wpr[s]}`,
      );
  }
}

/** What one group of a row encodes to: its entries' codes are written into `codes` (row positions). */
export type GroupCoder = (
  row: number,
  start: number,
  end: number,
  codes: Uint32Array,
) => { scale: number; aux: number };

/**
 * Group-by-group encoding shared by the scalar families: allocates the three streams, codes each group
 * of each row with `coder`, and packs the codes (`bits.code` each), scales (`bits.scale`) and aux
 * fields (`bits.aux`; 0: none) densely, each row on fresh words (formats/bitpack.ts).
 */
export function encodeGroups(
  format: QuantFormat,
  m: Matrix,
  bits: { code: number; scale: number; aux: number },
  coder: GroupCoder,
): QuantizedMatrix {
  const K = m.cols;
  const layout = format.layout(K);
  const g = layout.groupSize;
  const wpr = layout.wordsPerRow;
  const codes = new Uint32Array(m.rows * wpr.codes);
  const scales = new Uint32Array(m.rows * wpr.scales);
  const aux = new Uint32Array(m.rows * wpr.aux);
  const rowCodes = new Uint32Array(K);
  const scaleBits = new Uint32Array(layout.groups);
  const auxBits = new Uint32Array(layout.groups);
  for (let r = 0; r < m.rows; r++) {
    for (let gi = 0; gi < layout.groups; gi++) {
      const out = coder(r, gi * g, Math.min(K, gi * g + g), rowCodes);
      scaleBits[gi] = out.scale;
      auxBits[gi] = out.aux;
    }
    packRow(rowCodes, K, bits.code, codes, r * wpr.codes);
    packRow(scaleBits, layout.groups, bits.scale, scales, r * wpr.scales);
    if (bits.aux) packRow(auxBits, layout.groups, bits.aux, aux, r * wpr.aux);
  }
  return { format, rows: m.rows, cols: K, layout, codes, scales, aux };
}
