/**
 * GPTQ and AWQ checkpoints (safetensors with `<layer>.qweight`, `.qzeros`, `.scales`, optionally
 * `.g_idx`) as engine INT matrices, without re-quantizing (docs/interop.md §5). For a linear layer with
 * K inputs, N outputs, b bits (2, 4 or 8; 32/b codes per int32, low bits first) and groups of g inputs:
 *
 * - `gptq` (AutoGPTQ, checkpoint format v1): qweight int32 [K·b/32, N], word ⌊k·b/32⌋ of column n holds
 *   input k; qzeros int32 [K/g, N·b/32], packed along n; W[n, k] = s·(q − (z + 1)) (v1 stores z − 1);
 * - `gptq-v2`: the same words, W[n, k] = s·(q − z);
 * - `awq` (AutoAWQ GEMM): qweight int32 [K, N·b/32], packed along n with field i holding column
 *   0 2 4 6 1 3 5 7 [i] of its 8; qzeros [K/g, N·b/32] packed the same way; W[n, k] = s·(q − z);
 *
 * with scales s: [K/g, N] (f16, or f32/bf16), and `g_idx[k]` (if present) = the group of input k, which
 * must be ⌊k/g⌋ (act-order checkpoints, whose groups are permuted, are refused). The engine format is
 * `int<b>[-asym]-g<g>` (symmetric when every zero point is 2^(b−1)), scales kept exactly.
 */
import { FormatError, ShapeError } from '../errors.js';
import { f32ToF16Bits } from '../formats/f16.js';
import { packRow, unpackCode } from '../formats/bitpack.js';
import type { QuantizedMatrix } from '../formats/format.js';
import { IntFormat } from '../formats/int.js';
import type { ByteSink, ByteSource } from './byte-source.js';
import { readFloatTensor, readSafetensorsHeader, SafetensorsWriter } from './safetensors.js';

/** How the codes are packed (see the table above). */
export type PackedLayout = 'gptq' | 'gptq-v2' | 'awq';

/** One layer's packed tensors, as stored. */
export interface PackedLinear {
  /** int32 words, row-major, with their shapes. */
  readonly qweight: Uint32Array;
  readonly qweightShape: readonly [number, number];
  readonly qzeros: Uint32Array;
  readonly qzerosShape: readonly [number, number];
  /** Scales [K/g, N] as f32 values; `scalesF16` when they were stored as f16. */
  readonly scales: Float32Array;
  readonly scalesShape: readonly [number, number];
  readonly scalesF16: boolean;
  readonly gIdx?: Int32Array;
}

/** AutoAWQ's order of the 8 columns in a word: field i holds column AWQ_ORDER[i]. */
const AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7];

/** Field (0 … 32/b − 1) of column c within its word, for packing along N. */
function fieldOfColumn(layout: PackedLayout, c: number, perWord: number): number {
  if (layout !== 'awq') return c;
  if (perWord !== 8) throw new FormatError('AWQ checkpoints are 4-bit (8 columns per word)');
  return AWQ_ORDER.indexOf(c);
}

const field = (word: number, i: number, bits: number) => (word >>> (i * bits)) & (2 ** bits - 1);

/** The engine INT matrix (N×K) of one packed layer. */
export function packedToQuantized(p: PackedLinear, layout: PackedLayout, what = 'layer'): QuantizedMatrix {
  const [groups, N] = p.scalesShape;
  const zWords = p.qzerosShape[1];
  const bits = (32 * zWords) / N;
  if (bits !== 2 && bits !== 4 && bits !== 8)
    throw new FormatError(
      `${what}: qzeros [${p.qzerosShape}] with scales [${p.scalesShape}] means ${bits}-bit codes; 2, 4 or 8 are read`,
    );
  const perWord = 32 / bits;
  const K = layout === 'awq' ? p.qweightShape[0] : p.qweightShape[0] * perWord;
  const wantQ = layout === 'awq' ? [K, N / perWord] : [K / perWord, N];
  if (p.qweightShape[0] !== wantQ[0] || p.qweightShape[1] !== wantQ[1] || p.qzerosShape[0] !== groups)
    throw new ShapeError(
      `${what}: qweight [${p.qweightShape}], qzeros [${p.qzerosShape}], scales [${p.scalesShape}] do not fit one ` +
        `${layout} layer (expected qweight [${wantQ}])`,
    );
  if (K % groups !== 0) throw new ShapeError(`${what}: ${K} inputs do not split into ${groups} equal groups`);
  const g = K / groups;
  if (p.gIdx) {
    const bad = p.gIdx.findIndex((gi, k) => gi !== Math.floor(k / g));
    if (p.gIdx.length !== K || bad >= 0)
      throw new FormatError(
        `${what}: g_idx[${bad}] = ${p.gIdx[bad]} is not ⌊k/${g}⌋: act-order (desc_act) checkpoints are not supported`,
      );
  }
  const offset = layout === 'gptq' ? 1 : 0;
  const zero = (gi: number, n: number) =>
    field(p.qzeros[gi * zWords + Math.floor(n / perWord)], fieldOfColumn(layout, n % perWord, perWord), bits) + offset;
  let symmetric = true;
  for (let gi = 0; gi < groups && symmetric; gi++)
    for (let n = 0; n < N; n++) if (zero(gi, n) !== 2 ** (bits - 1)) symmetric = false;
  const format = new IntFormat({ bits: bits as 2 | 4 | 8, group: g, symmetric, scale: p.scalesF16 ? 'f16' : 'f32' });
  const layout0 = format.layout(K);
  const { codes: cw, scales: sw, aux: aw } = layout0.wordsPerRow;
  const q: QuantizedMatrix = {
    format,
    rows: N,
    cols: K,
    layout: layout0,
    codes: new Uint32Array(N * cw),
    scales: new Uint32Array(N * sw),
    aux: new Uint32Array(N * aw),
  };
  const row = new Uint32Array(Math.max(K, groups));
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      row[k] =
        layout === 'awq'
          ? field(
              p.qweight[k * (N / perWord) + Math.floor(n / perWord)],
              fieldOfColumn(layout, n % perWord, perWord),
              bits,
            )
          : field(p.qweight[Math.floor(k / perWord) * N + n], k % perWord, bits);
    }
    packRow(row, K, bits, q.codes, n * cw);
    const scaleBits = p.scalesF16 ? 16 : 32;
    const sRow = new Uint32Array(groups);
    for (let gi = 0; gi < groups; gi++) {
      const s = p.scales[gi * N + n];
      sRow[gi] = p.scalesF16 ? f32ToF16Bits(s) : new Uint32Array(new Float32Array([s]).buffer)[0];
    }
    packRow(sRow, groups, scaleBits, q.scales, n * sw);
    if (!symmetric) {
      for (let gi = 0; gi < groups; gi++) {
        const z = zero(gi, n);
        if (z > 2 ** bits - 1)
          throw new FormatError(`${what}: zero point ${z} of group ${gi}, column ${n} does not fit ${bits} bits`);
        row[gi] = z;
      }
      packRow(row, groups, bits, q.aux, n * aw);
    }
  }
  return q;
}

/** The packed tensors of an engine INT matrix (2, 4 or 8 bits, groups along K) in `layout`. */
export function quantizedToPacked(q: QuantizedMatrix, layout: PackedLayout): PackedLinear {
  const f = q.format;
  if (!(f instanceof IntFormat) || ![2, 4, 8].includes(f.params.bits))
    throw new FormatError(`GPTQ/AWQ layouts hold 2-, 4- or 8-bit INT codes; got ${f.id}`);
  const { bits, symmetric } = f.params;
  const { rows: N, cols: K } = q;
  const { groupSize: g, groups, wordsPerRow } = q.layout;
  const perWord = 32 / bits;
  if (K % g !== 0 || N % perWord !== 0 || (layout !== 'awq' && K % perWord !== 0))
    throw new ShapeError(`${f.id} ${N}×${K} does not pack into ${layout} words`);
  const offset = layout === 'gptq' ? 1 : 0;
  const qweightShape: [number, number] = layout === 'awq' ? [K, N / perWord] : [K / perWord, N];
  const qweight = new Uint32Array(qweightShape[0] * qweightShape[1]);
  const qzeros = new Uint32Array(groups * (N / perWord));
  const scales = new Float32Array(groups * N);
  for (let n = 0; n < N; n++) {
    const fieldN = fieldOfColumn(layout, n % perWord, perWord);
    for (let k = 0; k < K; k++) {
      const c = unpackCode(q.codes, n * wordsPerRow.codes, k, bits);
      if (layout === 'awq') qweight[k * (N / perWord) + Math.floor(n / perWord)] |= c << (fieldN * bits);
      else qweight[Math.floor(k / perWord) * N + n] |= c << ((k % perWord) * bits);
    }
    for (let gi = 0; gi < groups; gi++) {
      scales[gi * N + n] = f.scaleOf(q, n, gi);
      const z = (symmetric ? 2 ** (bits - 1) : unpackCode(q.aux, n * wordsPerRow.aux, gi, bits)) - offset;
      if (z < 0) throw new FormatError(`zero point 0 cannot be stored in the gptq layout (it stores z − 1)`);
      qzeros[gi * (N / perWord) + Math.floor(n / perWord)] |= z << (fieldN * bits);
    }
  }
  const gIdx = Int32Array.from({ length: K }, (_, k) => Math.floor(k / g));
  return {
    qweight,
    qweightShape,
    qzeros,
    qzerosShape: [groups, N / perWord],
    scales,
    scalesShape: [groups, N],
    scalesF16: f.params.scale === 'f16',
    gIdx,
  };
}

/**
 * Every packed layer of a safetensors checkpoint (the tensors `<name>.qweight`, `.qzeros`, `.scales`,
 * optional `.g_idx`), keyed by `<name>`. The layout (`gptq`, `gptq-v2` or `awq`) must be given for
 * GPTQ's zero-point convention (v1 stores z − 1); GPTQ and AWQ are told apart by the shapes.
 */
export async function readPackedCheckpoint(
  src: ByteSource,
  gptqZeros: 'gptq' | 'gptq-v2' = 'gptq',
): Promise<Map<string, QuantizedMatrix>> {
  const header = await readSafetensorsHeader(src);
  const byName = new Map(header.entries.map((e) => [e.name, e]));
  const out = new Map<string, QuantizedMatrix>();
  for (const e of header.entries) {
    if (!e.name.endsWith('.qweight')) continue;
    const base = e.name.slice(0, -'.qweight'.length);
    const z = byName.get(`${base}.qzeros`);
    const s = byName.get(`${base}.scales`);
    if (!z || !s) throw new ShapeError(`${src.name}: ${base} has a qweight but no ${z ? 'scales' : 'qzeros'}`);
    for (const t of [e, z]) {
      if (t.dtype !== 'I32' || t.shape.length !== 2)
        throw new ShapeError(`${src.name}: ${t.name} must be a 2-D I32 tensor, got ${t.dtype} [${t.shape}]`);
    }
    const words = async (t: typeof e) => {
      const b = await src.read(t.begin, t.end - t.begin);
      return new Uint32Array(b.slice().buffer);
    };
    const gi = byName.get(`${base}.g_idx`);
    const N = s.shape[1];
    const layout: PackedLayout = e.shape[1] === N ? gptqZeros : 'awq';
    const scalesF16 = s.dtype === 'F16';
    const scales = await readFloatTensor(src, s);
    out.set(
      base,
      packedToQuantized(
        {
          qweight: await words(e),
          qweightShape: e.shape as [number, number],
          qzeros: await words(z),
          qzerosShape: z.shape as [number, number],
          scales,
          scalesShape: s.shape as [number, number],
          scalesF16,
          gIdx: gi ? new Int32Array((await src.read(gi.begin, gi.end - gi.begin)).slice().buffer) : undefined,
        },
        layout,
        `${src.name}: ${base}`,
      ),
    );
  }
  return out;
}

/**
 * Writes packed layers as a safetensors checkpoint in the layout's tensor names and dtypes:
 * `<name>.qweight` / `.qzeros` / `.g_idx` I32, `<name>.scales` F16 (or F32 for f32 scales).
 */
export async function writePackedCheckpoint(sink: ByteSink, layers: readonly [string, PackedLinear][]): Promise<void> {
  const plan = layers.flatMap(([name, p]) => [
    { name: `${name}.qweight`, dtype: 'I32' as const, shape: [...p.qweightShape] },
    { name: `${name}.qzeros`, dtype: 'I32' as const, shape: [...p.qzerosShape] },
    { name: `${name}.scales`, dtype: p.scalesF16 ? ('F16' as const) : ('F32' as const), shape: [...p.scalesShape] },
    ...(p.gIdx ? [{ name: `${name}.g_idx`, dtype: 'I32' as const, shape: [p.gIdx.length] }] : []),
  ]);
  const w = await SafetensorsWriter.begin(sink, plan, {});
  for (const [, p] of layers) {
    await w.write(new Uint8Array(p.qweight.buffer, p.qweight.byteOffset, p.qweight.byteLength));
    await w.write(new Uint8Array(p.qzeros.buffer, p.qzeros.byteOffset, p.qzeros.byteLength));
    const scales = p.scalesF16 ? Uint16Array.from(p.scales, f32ToF16Bits) : p.scales;
    await w.write(new Uint8Array(scales.buffer, scales.byteOffset, scales.byteLength));
    if (p.gIdx) await w.write(new Uint8Array(p.gIdx.buffer, p.gIdx.byteOffset, p.gIdx.byteLength));
  }
  await w.finish({});
}
