/**
 * Y = X·Wᵀ on the GPU for any pair of operands (f32 or quantized in any format): moves operands into a
 * common coding domain where a format needs one, asks the planner for the kernel, and dispatches it over
 * windows of rows of X and W that fit the device's bindings.
 */
import { FormatError, ShapeError } from '../errors.js';
import { domainOf, sameDomain } from '../gpu/domain.js';
import { GpuMatrix, GpuQuantizedMatrix, type GpuOperand } from '../gpu/tensors.js';
import { matmulShape } from '../matrix.js';
import { dequantizeRows } from './dequantize.js';
import { operandWindow, rowWords } from './operand.js';
import { planMatmul, type MatmulOptions, type MatmulPlan, type PlanContext } from './plan.js';
import type { Kernel } from '../gpu/pipelines.js';
import type { GpuRunner, Step } from '../gpu/runner.js';
import { addOuter, type RowWords } from './centre.js';
import { transformRows } from './transform.js';

/** Multiplies two GPU operands; matrices this makes on the way (rotated copies, a decoded X) are freed. */
export async function matmulOperands(
  ctx: PlanContext,
  x: GpuOperand,
  w: GpuOperand,
  options: MatmulOptions = {},
): Promise<GpuMatrix> {
  const { runner } = ctx;
  const { M, N, K: logicalK } = matmulShape(x, w);
  const centred = await centredProduct(ctx, x, w, options);
  if (centred) return centred;
  let K = logicalK;
  const temps: GpuMatrix[] = [];
  let xs = x;
  let ws = w;
  try {
    // Coded formats (rotated / padded rows): both operands must be in the same domain; an f32 operand
    // is moved there, a quantized operand of another domain is an error.
    const dx = xs instanceof GpuQuantizedMatrix ? domainOf(xs.format, K) : null;
    const dw = ws instanceof GpuQuantizedMatrix ? domainOf(ws.format, K) : null;
    if (dx && dw && !sameDomain(dx, dw))
      throw new ShapeError(
        `X (${(xs as GpuQuantizedMatrix).format.id}) and W (${(ws as GpuQuantizedMatrix).format.id}) are coded ` +
          `in different rotations/paddings; quantize both with the same rotation seed`,
      );
    const domain = dx ?? dw;
    const bothCentred = isCentred(xs) && isCentred(ws);
    if (dx && dw && dx.Kp > K && !bothCentred) {
      // Both coded with padding: decoded rows carry quantization noise in the padded coordinates too,
      // which the K-entry matrices do not have. Decode X (back to K entries) and rotate it as f32, so Y
      // is exactly the product of the two decoded K-entry matrices.
      xs = await dequantizeRows(runner, xs as GpuQuantizedMatrix);
      temps.push(xs);
    }
    if (domain) {
      for (const side of ['X', 'W'] as const) {
        const op = side === 'X' ? xs : ws;
        if (op instanceof GpuQuantizedMatrix && !domainOf(op.format, K)) {
          throw new ShapeError(
            `${side} (${op.format.id}) is not coded in the rotated domain of the other operand; quantize it ` +
              `with a nested-lattice format too, or pass it as f32`,
          );
        }
        if (op instanceof GpuMatrix) {
          const t = await transformRows(runner, op, domain, false);
          temps.push(t);
          if (side === 'X') xs = t;
          else ws = t;
        }
      }
      K = domain.Kp;
    }
    const plan = planMatmul(ctx, xs, ws, M, options);
    const kernel = await runner.pipelines.kernel(plan.request, plan.entry);
    const y = new GpuMatrix(runner, M, N, runner.allocate(M * N * 4, 'Y', true));
    try {
      await runner.run(`matmul ${plan.request.template}`, [matmulStep(runner, plan, kernel, xs, ws, y, K)]);
      // centred rows (the universal scheme): xᵀw = x̄ᵀw̄ + K·μ_x·μ_w
      if (bothCentred) {
        const xq = xs as GpuQuantizedMatrix;
        const wq = ws as GpuQuantizedMatrix;
        await addOuter(runner, y, logicalK, centredWords(xq), centredWords(wq));
      }
    } catch (e) {
      y.destroy();
      throw e;
    }
    return y;
  } finally {
    for (const t of temps) t.destroy();
  }
}

function isCentred(op: GpuOperand): op is GpuQuantizedMatrix {
  return op instanceof GpuQuantizedMatrix && op.format.centred !== undefined;
}

function centredWords(q: GpuQuantizedMatrix): RowWords {
  return { q, word: q.format.centred?.meanWord ?? 0 };
}

/**
 * Products with a centred operand (the universal scheme, docs/universal.md). Two centred operands go through
 * the coded product plus the mean term (null here); they must carry different dither seeds. A centred operand
 * times f32 rows is decoded (means added back) and multiplied as f32. A centred operand cannot meet an
 * uncentred quantized one (the mean term would need the other's row sums).
 */
async function centredProduct(
  ctx: PlanContext,
  x: GpuOperand,
  w: GpuOperand,
  options: MatmulOptions,
): Promise<GpuMatrix | null> {
  const cx = isCentred(x);
  const cw = isCentred(w);
  if (!cx && !cw) return null;
  if (cx && cw) {
    if (x.format.centred?.ditherSeed === w.format.centred?.ditherSeed)
      throw new FormatError(
        `X (${x.format.id}) and W (${w.format.id}) share dither seed ${x.format.centred?.ditherSeed}: their ` +
          `errors would be correlated and the product biased; quantize them with different -u seeds`,
      );
    return null;
  }
  const centredOne = (cx ? x : w) as GpuQuantizedMatrix;
  const other = cx ? w : x;
  if (other instanceof GpuQuantizedMatrix)
    throw new FormatError(
      `${cx ? 'X' : 'W'} (${centredOne.format.id}) is stored centred (universal scheme) and ` +
        `${cx ? 'W' : 'X'} (${other.format.id}) is not; quantize both with -u formats, or pass the other as f32`,
    );
  const decoded = await dequantizeRows(ctx.runner, centredOne);
  try {
    return await matmulOperands(ctx, cx ? decoded : x, cx ? w : decoded, options);
  } finally {
    decoded.destroy();
  }
}

/**
 * The dispatch of a planned product of operands already in their common domain (K: their stored row
 * length), writing Y (M×N) into `y`. Windows of rows of X and W keep each operand's rows and the block of
 * Y they write within one binding each, and the workgroup grid within the device's per-dimension limit.
 */
export function matmulStep(
  runner: GpuRunner,
  plan: MatmulPlan,
  kernel: Kernel,
  xs: GpuOperand,
  ws: GpuOperand,
  y: GpuMatrix,
  K: number,
): Step {
  const M = y.rows;
  const N = y.cols;
  const l = runner.limits;
  const maxDim = l.maxComputeWorkgroupsPerDimension;
  const usableWords = Math.floor((l.maxStorageBufferBindingSize - l.minStorageBufferOffsetAlignment) / 4);
  const nStep = Math.min(N, runner.rowsPerBinding(rowWords(ws), 'W row'), plan.tileN * maxDim, usableWords);
  const yRows = Math.floor((usableWords - nStep) / N) + 1; // rows of Y one window can span
  const mStep = Math.min(M, runner.rowsPerBinding(rowWords(xs), 'X row'), plan.tileM * maxDim, yRows);
  return {
    kernel,
    axes: [
      { total: M, step: mStep },
      { total: N, step: nStep },
    ],
    dispatch: ([[m0, m1], [n0, n1]]) => {
      const xb = operandWindow(runner, 'x', xs, m0, m1);
      const wb = operandWindow(runner, 'w', ws, n0, n1);
      const yWin = runner.window(y.buffer, y.offset + m0 * N + n0, (m1 - m0 - 1) * N + (n1 - n0));
      return {
        storage: { y: yWin, ...xb.storage, ...wb.storage },
        uniforms: {
          params: { m: m1 - m0, n: n1 - n0, k: K, y_base: yWin.base, y_stride: N },
          ...xb.uniforms,
          ...wb.uniforms,
        },
        workgroups: [Math.ceil((n1 - n0) / plan.tileN), Math.ceil((m1 - m0) / plan.tileM), 1],
      };
    },
  };
}
