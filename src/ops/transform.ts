/**
 * Moves f32 rows into a coded format's domain (forward: rows×K → rows×Kp, padded and rotated) or back
 * (inverse). shaders/hadamard.wgsl, bit-identical to src/transforms/hadamard.ts; docs/lattice.md §4.
 */
import { ShapeError } from '../errors.js';
import { storageSize } from '../gpu/buffers.js';
import type { DomainMap } from '../gpu/domain.js';
import type { Kernel } from '../gpu/pipelines.js';
import type { GpuRunner, Step } from '../gpu/runner.js';
import { GpuMatrix } from '../gpu/tensors.js';

/** Entries per workgroup of shaders/hadamard.wgsl (its SEGMENT): whole chunks of h ≤ 4096. */
const SEGMENT = 4096;

/** The rotation kernel. */
export function transformKernel(runner: GpuRunner): Promise<Kernel> {
  return runner.pipelines.kernel({ template: 'hadamard.wgsl', operands: {} }, 'rotate');
}

/** The domain's sign bits on the GPU (the caller releases them). */
function uploadSigns(runner: GpuRunner, d: DomainMap): GPUBuffer {
  return runner.upload(d.signBits, 'rotation signs', storageSize(d.signBits.byteLength));
}

/** One rotation of `src` into `out` (rows × K → rows × Kp, or back when `inverse`). */
export function transformStep(
  runner: GpuRunner,
  kernel: Kernel,
  src: GpuMatrix,
  out: GpuMatrix,
  d: DomainMap,
  inverse: boolean,
  signs: GPUBuffer,
): Step {
  const inCols = inverse ? d.Kp : d.K;
  const outCols = inverse ? d.K : d.Kp;
  if (src.cols !== inCols || out.cols !== outCols || out.rows !== src.rows)
    throw new ShapeError(
      `rotation maps ${src.rows}×${inCols} to ${src.rows}×${outCols}, got ${src.rows}×${src.cols} → ` +
        `${out.rows}×${out.cols}`,
    );
  const seg = Math.max(d.h, Math.min(SEGMENT, d.Kp));
  // Rows shorter than a segment share a workgroup (shaders/hadamard.wgsl).
  const perGroup = d.Kp < SEGMENT ? Math.floor(SEGMENT / seg) : 1;
  const signWin = runner.window(signs, 0, d.signBits.length);
  return {
    kernel,
    axes: [
      { total: src.rows, step: runner.rowStep([inCols, 'rotation input'], [outCols, 'rotation output']) },
      { total: Math.ceil(d.Kp / seg), step: runner.groupStep(1) },
    ],
    dispatch: ([[r0, r1], [s0, s1]]) => {
      const inWin = runner.window(src.buffer, src.offset + r0 * inCols, (r1 - r0) * inCols);
      const outWin = runner.window(out.buffer, out.offset + r0 * outCols, (r1 - r0) * outCols);
      const params = {
        rows: r1 - r0,
        k: d.K,
        kp: d.Kp,
        h: d.h,
        norm: d.norm,
        inverse: inverse ? 1 : 0,
        src_base: inWin.base,
        src_stride: inCols,
        dst_base: outWin.base,
        dst_stride: outCols,
        segment0: s0,
        rows_per_group: perGroup,
      };
      return {
        storage: { src: inWin, dst: outWin, signs: signWin },
        uniforms: { params },
        workgroups: [s1 - s0, Math.ceil((r1 - r0) / perGroup), 1],
      };
    },
  };
}

/** Rotates `src` into a new matrix (the eager form the engine uses). */
export async function transformRows(
  runner: GpuRunner,
  src: GpuMatrix,
  d: DomainMap,
  inverse: boolean,
): Promise<GpuMatrix> {
  const outCols = inverse ? d.K : d.Kp;
  if (src.cols !== (inverse ? d.Kp : d.K))
    throw new ShapeError(`rotation expects ${inverse ? d.Kp : d.K} columns, got ${src.cols}`);
  const kernel = await transformKernel(runner);
  const out = new GpuMatrix(
    runner,
    src.rows,
    outCols,
    runner.allocate(src.rows * outCols * 4, inverse ? 'unrotated' : 'rotated', true),
  );
  const signs = uploadSigns(runner, d);
  try {
    await runner.run(inverse ? 'unrotate' : 'rotate', [transformStep(runner, kernel, src, out, d, inverse, signs)]);
  } catch (e) {
    out.destroy();
    throw e;
  } finally {
    runner.release(signs);
  }
  return out;
}
