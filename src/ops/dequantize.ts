/**
 * GPU decode: a quantized matrix into dense f32 rows, bit-identical to the format's CPU decode
 * (shaders/dequantize.wgsl). Coded formats decode into their domain and are rotated back.
 */
import type { QuantFormat } from '../formats/format.js';
import type { ComposeRequest } from '../gpu/compose.js';
import { domainOf } from '../gpu/domain.js';
import type { GpuRunner } from '../gpu/runner.js';
import { GpuMatrix, type GpuQuantizedMatrix } from '../gpu/tensors.js';
import { operandWindow, rowWords } from './operand.js';
import { transformRows } from './transform.js';

/** Entries each thread of shaders/dequantize.wgsl writes (one q_decode8 block). */
const ENTRIES_PER_THREAD = 8;

/** The composed module of the decoder for `format` (entry point dequantize). */
export function dequantizeRequest(format: QuantFormat): ComposeRequest {
  return { template: 'dequantize.wgsl', operands: { q: { wgsl: format.wgsl, access: 'read' } } };
}

/** Decodes `q` into dense f32 rows of K entries (coded formats: rotated back to the original domain). */
export async function dequantizeRows(runner: GpuRunner, q: GpuQuantizedMatrix): Promise<GpuMatrix> {
  const domain = domainOf(q.format, q.cols);
  const cols = domain ? domain.Kp : q.cols;
  const kernel = await runner.pipelines.kernel(dequantizeRequest(q.format), 'dequantize');
  const out = new GpuMatrix(runner, q.rows, cols, runner.allocate(q.rows * cols * 4, 'dequantized', true));
  const perGroup = kernel.entry.workgroupSize[0] * ENTRIES_PER_THREAD;
  try {
    await runner.run(`dequantize ${q.format.id}`, [
      {
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
      },
    ]);
  } catch (e) {
    out.destroy();
    throw e;
  }
  if (!domain) return out;
  try {
    return await transformRows(runner, out, domain, true);
  } finally {
    out.destroy();
  }
}
