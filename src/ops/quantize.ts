/**
 * GPU encode: rows of an f32 matrix into a format's three streams (shaders/quantize.wgsl with the
 * format's encoder snippet). One pass per stream in the format's encode order, each over every row
 * window before the next starts (a pass may read what an earlier one wrote); formats with a tensor-wide
 * scale get a max-|x| reduction over all rows first. Coded formats are rotated into their domain first.
 */
import type { QuantFormat, StreamName } from '../formats/format.js';
import type { ComposeRequest } from '../gpu/compose.js';
import { domainOf } from '../gpu/domain.js';
import type { Kernel } from '../gpu/pipelines.js';
import type { GpuRunner, Step } from '../gpu/runner.js';
import { type GpuMatrix, GpuQuantizedMatrix } from '../gpu/tensors.js';
import { operandWindow } from './operand.js';
import { centreRows } from './centre.js';
import { transformRows } from './transform.js';

/** Entries each thread of quantize_tensor_max reduces (its TENSOR_MAX_STRIP). */
const TENSOR_MAX_STRIP = 256;
const ENTRY: Readonly<Record<StreamName, string>> = {
  scales: 'quantize_scales',
  aux: 'quantize_aux',
  codes: 'quantize_codes',
};

/** The composed module of the encoder for `format` (entry points quantize_tensor_max, quantize_scales, …). */
export function quantizeRequest(format: QuantFormat): ComposeRequest {
  return { template: 'quantize.wgsl', operands: { q: { wgsl: format.wgsl, access: 'read_write' } } };
}

/** The encode passes of a format, in order, each a kernel and how many items its threads cover. */
export interface QuantizePass {
  readonly kernel: Kernel;
  readonly items: (cols: number, words: Readonly<Record<StreamName, number>>) => number;
}

/** The format's encode kernels (compiled once per format). */
export async function quantizePasses(runner: GpuRunner, format: QuantFormat): Promise<QuantizePass[]> {
  const req = quantizeRequest(format);
  const passes: QuantizePass[] = [];
  if (format.wgsl.needsTensorMax)
    passes.push({
      kernel: await runner.pipelines.kernel(req, 'quantize_tensor_max'),
      items: (cols) => Math.ceil(cols / TENSOR_MAX_STRIP),
    });
  // A stream is empty (a symmetric format's aux) for every K or for none: no pass, no pipeline for it.
  const probe = format.layout(64).wordsPerRow;
  for (const stream of format.wgsl.encodeOrder ?? ['scales', 'aux', 'codes']) {
    if (probe[stream] > 0)
      passes.push({ kernel: await runner.pipelines.kernel(req, ENTRY[stream]), items: (_c, w) => w[stream] });
  }
  return passes;
}

/**
 * The steps that encode `rows` (already in the format's domain) into `q`: one per pass, each over every
 * row window; `tensorMax` is a zeroed one-word buffer (formats with a tensor-wide scale reduce into it).
 */
export function quantizeSteps(
  runner: GpuRunner,
  passes: readonly QuantizePass[],
  rows: GpuMatrix,
  q: GpuQuantizedMatrix,
  tensorMax: GPUBuffer,
): Step[] {
  const w = q.layout.wordsPerRow;
  const rowStep = runner.rowStep(
    [rows.cols, 'quantize input'],
    [Math.max(w.codes, w.scales, w.aux), `${q.format.id} row`],
  );
  const tmWin = runner.window(tensorMax, 0, 1);
  return passes
    .map((p) => ({ p, items: p.items(rows.cols, w) }))
    .filter(({ items }) => items > 0)
    .map(({ p, items }): Step => {
      const perGroup = p.kernel.entry.workgroupSize[0];
      return {
        kernel: p.kernel,
        axes: [
          { total: rows.rows, step: rowStep },
          { total: items, step: runner.groupStep(perGroup) },
        ],
        dispatch: ([[r0, r1], [w0, w1]]) => {
          const input = operandWindow(runner, 'src', rows, r0, r1);
          const out = operandWindow(runner, 'q', q, r0, r1);
          const srcWin = input.storage.src_data;
          return {
            storage: { src: srcWin, tensor_max: tmWin, ...out.storage },
            uniforms: {
              params: { rows: r1 - r0, src_base: srcWin.base, src_stride: rows.cols, word0: w0 },
              ...out.uniforms,
            },
            workgroups: [Math.ceil((w1 - w0) / perGroup), r1 - r0, 1],
          };
        },
      };
    });
}

/** Streams (poisoned when the runner poisons outputs) for `rows` rows of K entries in `format`. */
export function allocateQuantized(runner: GpuRunner, format: QuantFormat, rows: number, K: number): GpuQuantizedMatrix {
  const layout = format.layout(K);
  const w = layout.wordsPerRow;
  const alloc = (words: number, s: string) => runner.allocate(words * 4, `${format.id} ${s}`, true);
  return new GpuQuantizedMatrix(
    runner,
    format,
    rows,
    K,
    layout,
    alloc(rows * w.codes, 'codes'),
    alloc(rows * w.scales, 'scales'),
    alloc(rows * w.aux, 'aux'),
  );
}

/** Quantizes `src` (f32 rows of K entries) into `format`; `src` is left as it is. */
export async function quantizeRows(
  runner: GpuRunner,
  src: GpuMatrix,
  format: QuantFormat,
): Promise<GpuQuantizedMatrix> {
  const domain = domainOf(format, src.cols);
  const q = allocateQuantized(runner, format, src.rows, src.cols);
  const temps: GpuMatrix[] = [];
  const tensorMax = runner.upload(new Uint32Array(1), 'tensor max');
  try {
    // the universal scheme codes centred rows (their means go straight into the scales stream)
    let rows = src;
    const c = format.centred;
    if (c) temps.push((rows = await centreRows(runner, rows, q, c.meanWord, c.subtractMean)));
    if (domain) temps.push((rows = await transformRows(runner, rows, domain, false)));
    const passes = await quantizePasses(runner, format);
    await runner.run(`quantize ${format.id}`, quantizeSteps(runner, passes, rows, q, tensorMax));
    return q;
  } catch (e) {
    q.destroy();
    throw e;
  } finally {
    runner.release(tensorMax);
    for (const t of temps) t.destroy();
  }
}
