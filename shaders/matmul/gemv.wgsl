// Y = X·Wᵀ for M ≤ 4 (one token or a few): bound by reading W once. ROWS rows of W per workgroup,
// K split over LANES threads per row; the body (gemv_float.wgsl or gemv_int.wgsl) is included by the
// host, the row sums go through workgroup memory. Host constants: ROWS, LANES.
#include "matmul/gemv_io.wgsl"
#include "matmul/reduce_workgroup.wgsl"

@compute @workgroup_size(GEMV_THREADS)
fn gemv(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let n = wg.x * ROWS + tid / LANES;
  let lane = tid % LANES;
  gemv_store(n, lane, reduce_rows(gemv_partial(n, lane), tid));
}
