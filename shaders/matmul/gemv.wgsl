// Y = X·Wᵀ for M ≤ 4 (one token or a few): bound by reading W once. ROWS·RPT rows of W per workgroup,
// K split over LANES threads per row; the body (gemv_float.wgsl, gemv_affine.wgsl or gemv_int.wgsl) is
// included by the host, the row sums go through workgroup memory. Host constants: ROWS, LANES, RPT, GEMV_M.
#include "matmul/gemv_io.wgsl"
#include "matmul/reduce_workgroup.wgsl"

@compute @workgroup_size(GEMV_THREADS)
fn gemv(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let acc = gemv_partial(wg.x, tid);
#unroll r RPT
  gemv_store(gemv_row(wg.x, tid, {r}u), tid % LANES, reduce_rows(gemv_sums_{r}(acc), tid));
#end
}
