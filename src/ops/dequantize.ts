/**
 * GPU decode: a quantized matrix into dense f32 rows, bit-identical to the format's CPU decode
 * (shaders/dequantize.wgsl). Coded formats decode into their domain and are rotated back.
 */
import { ShapeError } from '../errors.js';
import type { QuantFormat } from '../formats/format.js';
import type { ComposeRequest } from '../gpu/compose.js';
import { domainOf } from '../gpu/domain.js';
import type { Kernel } from '../gpu/pipelines.js';
import type { GpuRunner, Step } from '../gpu/runner.js';
import { GpuMatrix, type GpuQuantizedMatrix } from '../gpu/tensors.js';
import { operandWindow, rowWords } from './operand.js';
import { addOuter } from './centre.js';
import { transformRows } from './transform.js';

/** Entries each thread of shaders/dequantize.wgsl writes (one q_decode8 block). */
const ENTRIES_PER_THREAD = 8;

/** The composed module of the decoder for `format` (entry point dequantize). */
export function dequantizeRequest(format: QuantFormat): ComposeRequest {
  return { template: 'dequantize.wgsl', operands: { q: { wgsl: format.wgsl, access: 'read' } } };
}

/** The decode of `q` into `out` (rows × K, or × Kp for coded formats: still in their domain). */
export function dequantizeStep(runner: GpuRunner, kernel: Kernel, q: GpuQuantizedMatrix, out: GpuMatrix): Step {
  const domain = domainOf(q.format, q.cols);
  const cols = domain ? domain.Kp : q.cols;
  if (out.rows !== q.rows || out.cols !== cols)
    throw new ShapeError(`decoding ${q.rows}×${cols} entries into a ${out.rows}×${out.cols} matrix`);
  const perGroup = kernel.entry.workgroupSize[0] * ENTRIES_PER_THREAD;
  return {
    kernel,
    axes: [
      { total: q.rows, step: runner.rowStep([cols, 'dequantized row'], [rowWords(q), `${q.format.id} row`]) },
      { total: cols, step: runner.groupStep(perGroup) },
    ],
    dispatch: ([[r0, r1], [k0, k1]]) => {
      const src = operandWindow(runner, 'q', q, r0, r1);
      const outWin = runner.window(out.buffer, out.offset + r0 * cols, (r1 - r0) * cols);
      return {
        storage: { out: outWin, ...src.storage },
        uniforms: {
          params: { rows: r1 - r0, k: k1, k0, out_base: outWin.base, out_stride: cols },
          ...src.uniforms,
        },
        workgroups: [Math.ceil((k1 - k0) / perGroup), r1 - r0, 1],
      };
    },
  };
}

/** The decoder kernel of `format`. */
export function dequantizeKernel(runner: GpuRunner, format: QuantFormat): Promise<Kernel> {
  return runner.pipelines.kernel(dequantizeRequest(format), 'dequantize');
}

/** Decodes `q` into dense f32 rows of K entries (coded formats: rotated back to the original domain). */
export async function dequantizeRows(runner: GpuRunner, q: GpuQuantizedMatrix): Promise<GpuMatrix> {
  const domain = domainOf(q.format, q.cols);
  const cols = domain ? domain.Kp : q.cols;
  const kernel = await dequantizeKernel(runner, q.format);
  const out = new GpuMatrix(runner, q.rows, cols, runner.allocate(q.rows * cols * 4, 'dequantized', true));
  try {
    await runner.run(`dequantize ${q.format.id}`, [dequantizeStep(runner, kernel, q, out)]);
  } catch (e) {
    out.destroy();
    throw e;
  }
  let rows = out;
  try {
    if (domain) {
      rows = await transformRows(runner, out, domain, true);
      out.destroy();
    }
    // the universal scheme's rows come back with their means
    if (q.format.centred) await addOuter(runner, rows, 1, { q, word: q.format.centred.meanWord }, null);
    return rows;
  } catch (e) {
    out.destroy();
    rows.destroy();
    throw e;
  }
}
