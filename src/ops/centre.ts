/**
 * The universal scheme's row means on the GPU (docs/universal.md): centring rows before they are coded
 * (shaders/centre_rows.wgsl, bit-identical to NestedLatticeFormat.centreRows) and the rank-one mean terms
 * a product or a decode adds back (shaders/add_outer.wgsl).
 */
import type { GpuRunner } from '../gpu/runner.js';
import { GpuMatrix, type GpuQuantizedMatrix } from '../gpu/tensors.js';

/**
 * The centred copy of `src`; each row's mean goes to word `meanWord` of that row of `q`'s scales
 * (subtractMean false: μ = 0, the rows copied as they are).
 */
export async function centreRows(
  runner: GpuRunner,
  src: GpuMatrix,
  q: GpuQuantizedMatrix,
  meanWord: number,
  subtractMean = true,
): Promise<GpuMatrix> {
  const kernel = await runner.pipelines.kernel({ template: 'centre_rows.wgsl', operands: {} }, 'centre_rows');
  const K = src.cols;
  const stride = q.layout.wordsPerRow.scales;
  const out = new GpuMatrix(runner, src.rows, K, runner.allocate(src.rows * K * 4, 'centred', true));
  try {
    await runner.run('centre rows', [
      {
        kernel,
        axes: [{ total: src.rows, step: runner.rowStep([K, 'centred row'], [stride, `${q.format.id} scales`]) }],
        dispatch: ([[r0, r1]]) => {
          const inWin = runner.window(src.buffer, src.offset + r0 * K, (r1 - r0) * K);
          const outWin = runner.window(out.buffer, r0 * K, (r1 - r0) * K);
          const meanWin = runner.window(q.scales, r0 * stride, (r1 - r0) * stride);
          return {
            storage: { src: inWin, dst: outWin, means: meanWin },
            uniforms: {
              params: {
                rows: r1 - r0,
                k: K,
                inv_k: Math.fround(1 / K),
                src_base: inWin.base,
                src_stride: K,
                dst_base: outWin.base,
                dst_stride: K,
                mean_base: meanWin.base,
                mean_stride: stride,
                mean_word: meanWord,
                centre: subtractMean ? 1 : 0,
              },
            },
            workgroups: [r1 - r0, 1, 1],
          };
        },
      },
    ]);
  } catch (e) {
    out.destroy();
    throw e;
  }
  return out;
}

/** Where a vector of f32 bit patterns lies: word `word` of each row of a quantized matrix's scales. */
export interface RowWords {
  readonly q: GpuQuantizedMatrix;
  readonly word: number;
}

/** y += a·u·vᵀ (v = 1 when null), u and v read from the quantized matrices' scales. */
export async function addOuter(
  runner: GpuRunner,
  y: GpuMatrix,
  a: number,
  u: RowWords,
  v: RowWords | null,
): Promise<void> {
  const kernel = await runner.pipelines.kernel({ template: 'add_outer.wgsl', operands: {} }, 'add_outer');
  const M = y.rows;
  const N = y.cols;
  const us = u.q.layout.wordsPerRow.scales;
  const vs = v ? v.q.layout.wordsPerRow.scales : 1;
  await runner.run('add outer', [
    {
      kernel,
      axes: [
        { total: M, step: runner.rowStep([N, 'Y row'], [us, 'u row']) },
        { total: N, step: Math.min(runner.groupStep(64), runner.rowsPerBinding(vs, 'v row')) },
      ],
      dispatch: ([[m0, m1], [n0, n1]]) => {
        const yWin = runner.window(y.buffer, y.offset + m0 * N + n0, (m1 - m0 - 1) * N + (n1 - n0));
        const uWin = runner.window(u.q.scales, m0 * us, (m1 - m0) * us);
        const vWin = v ? runner.window(v.q.scales, n0 * vs, (n1 - n0) * vs) : uWin;
        return {
          storage: { y: yWin, u: uWin, v: vWin },
          uniforms: {
            params: {
              m: m1 - m0,
              n: n1 - n0,
              a: Math.fround(a),
              y_base: yWin.base,
              y_stride: N,
              u_base: uWin.base + u.word,
              u_stride: us,
              v_base: v ? vWin.base + v.word : 0,
              v_stride: vs,
              v_ones: v ? 0 : 1,
            },
          },
          workgroups: [Math.ceil((n1 - n0) / 64), m1 - m0, 1],
        };
      },
    },
  ]);
}
