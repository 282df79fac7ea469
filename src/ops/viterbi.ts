/**
 * GPU encode of the trellis formats: a Viterbi search per row, rows in parallel, one workgroup each
 * (shaders/trellis_viterbi.wgsl; docs/trellis.md §2), bit-exact with `TrellisFormat.encode` — the search
 * compares the format's integer targets and levels on both sides. Rows are rotated into the coding domain
 * first (ops/transform.ts). Scratch per row: the chosen states (Kp words), a segment's back-pointers (one
 * k-bit choice per group of 2^k states per step, packed) and, for L > 10, the path metrics.
 */
import { InternalError } from '../errors.js';
import type { QuantFormat, WgslConstant } from '../formats/format.js';
import { RECIP11 } from '../formats/rounding.js';
import type { ComposeRequest } from '../gpu/compose.js';
import { domainOf } from '../gpu/domain.js';
import type { Kernel } from '../gpu/pipelines.js';
import type { GpuRunner, Step } from '../gpu/runner.js';
import type { GpuMatrix, GpuQuantizedMatrix } from '../gpu/tensors.js';
import { allocateQuantized } from './quantize.js';
import { transformRows } from './transform.js';

/** Largest L whose double-buffered costs (2·2^L words) stay in workgroup memory beside the reductions. */
const WORKGROUP_L = 10;
/** Steps between two subtractions of the least path metric (the u32 bound in trellis_viterbi.wgsl needs ≤ 8). */
const RENORM = 8;

/** The search's shape for one format: kernel constants and scratch words per row. */
interface SearchShape {
  readonly constants: Readonly<Record<string, WgslConstant>>;
  readonly backWordsPerStep: number;
  readonly segment: number;
  readonly spillWordsPerRow: number;
}

function searchShape(format: QuantFormat): SearchShape {
  const v = format.wgsl.viterbi;
  if (!v) throw new InternalError(`format ${format.id} has no Viterbi encoder`);
  // the trellis' shape: the decode's constants
  const { L, KBITS: k, SEGMENT } = format.wgsl.constants as { L: number; KBITS: number; SEGMENT: number };
  const groups = 2 ** (L - k);
  // a k-bit choice in a power-of-two field, so a word holds a whole number of them
  const ptrBits = 2 ** Math.ceil(Math.log2(k));
  const perWord = Math.min(32 / ptrBits, groups);
  const backWordsPerStep = groups / perWord;
  const inWorkgroup = L <= WORKGROUP_L;
  return {
    constants: {
      ...v,
      L,
      KBITS: k,
      SEGMENT,
      RECIP11: { f32array: RECIP11 },
      PTR_BITS: ptrBits,
      PTRS_PER_WORD: perWord,
      // one thread per back-pointer word: a word is written by one thread
      WG: Math.min(256, backWordsPerStep),
      IN_WORKGROUP: inWorkgroup,
      WG_COST_WORDS: inWorkgroup ? 2 * 2 ** L : 1,
      RENORM,
    },
    backWordsPerStep,
    segment: SEGMENT,
    spillWordsPerRow: inWorkgroup ? 0 : 2 * 2 ** L,
  };
}

/** The search module of a trellis format (entry point `viterbi`). */
export function viterbiRequest(format: QuantFormat): ComposeRequest {
  return { template: 'trellis_viterbi.wgsl', operands: {}, constants: searchShape(format).constants };
}

/** The step searching rows of `src` (coding domain, Kp columns) into `q`; scratch sized for `rowStep` rows. */
function searchStep(
  runner: GpuRunner,
  kernel: Kernel,
  shape: SearchShape,
  src: GpuMatrix,
  q: GpuQuantizedMatrix,
  scratch: { states: GPUBuffer; back: GPUBuffer; spill: GPUBuffer },
  rowStep: number,
  backRow: number,
): Step {
  const Kp = src.cols;
  const w = q.layout.wordsPerRow;
  return {
    kernel,
    axes: [{ total: src.rows, step: rowStep }],
    dispatch: ([[r0, r1]]) => {
      const n = r1 - r0;
      const input = runner.window(src.buffer, src.offset + r0 * Kp, n * Kp);
      const codes = runner.window(q.codes, r0 * w.codes, n * w.codes);
      const scales = runner.window(q.scales, r0 * w.scales, n * w.scales);
      const states = runner.window(scratch.states, 0, n * Kp);
      const back = runner.window(scratch.back, 0, n * backRow);
      const spill = runner.window(scratch.spill, 0, Math.max(1, n * shape.spillWordsPerRow));
      return {
        storage: { src: input, codes, scales, states, back, spill },
        uniforms: {
          params: {
            rows: n,
            src_base: input.base,
            kp: Kp,
            inv_kp: Math.fround(1 / Kp),
            codes_base: codes.base,
            codes_stride: w.codes,
            scales_base: scales.base,
            scales_stride: w.scales,
            states_base: states.base,
            back_base: back.base,
            back_row: backRow,
            spill_base: spill.base,
          },
        },
        workgroups: [n, 1, 1],
      };
    },
  };
}

/**
 * Quantizes `src` (f32 rows of K entries) into a trellis format on the GPU; `src` is left as it is.
 * Exactly `format.encode` of the same rows (codes and scales bit for bit).
 */
export async function viterbiQuantizeRows(
  runner: GpuRunner,
  src: GpuMatrix,
  format: QuantFormat,
): Promise<GpuQuantizedMatrix> {
  const shape = searchShape(format);
  const domain = domainOf(format, src.cols);
  const q = allocateQuantized(runner, format, src.rows, src.cols);
  const temps: GpuMatrix[] = [];
  const scratch: GPUBuffer[] = [];
  try {
    const rows = domain ? await transformRows(runner, src, domain, false) : src;
    if (rows !== src) temps.push(rows);
    const Kp = rows.cols;
    const backRow = Math.min(Kp, shape.segment) * shape.backWordsPerStep;
    const rowStep = runner.rowStep(
      [Kp, 'trellis search input'],
      [q.layout.wordsPerRow.codes, `${format.id} row`],
      [backRow, 'trellis back-pointers'],
      [Math.max(1, shape.spillWordsPerRow), 'trellis path metrics'],
    );
    const n = Math.min(rows.rows, rowStep);
    const alloc = (words: number, what: string) => {
      const b = runner.allocate(Math.max(1, words) * 4, what, false);
      scratch.push(b);
      return b;
    };
    const buffers = {
      states: alloc(n * Kp, 'trellis states'),
      back: alloc(n * backRow, 'trellis back-pointers'),
      spill: alloc(n * shape.spillWordsPerRow, 'trellis path metrics'),
    };
    const kernel = await runner.pipelines.kernel(viterbiRequest(format), 'viterbi');
    await runner.run(`quantize ${format.id}`, [searchStep(runner, kernel, shape, rows, q, buffers, rowStep, backRow)]);
    return q;
  } catch (e) {
    q.destroy();
    throw e;
  } finally {
    for (const t of temps) t.destroy();
    for (const b of scratch) runner.release(b);
  }
}
