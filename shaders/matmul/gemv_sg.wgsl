// The GEMV template of matmul/gemv.wgsl with subgroupAdd row reductions (needs `enable subgroups`).
#include "matmul/gemv_io.wgsl"
#include "matmul/reduce_subgroups.wgsl"

@compute @workgroup_size(GEMV_THREADS)
fn gemv(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) tid: u32,
        @builtin(subgroup_invocation_id) sg_id: u32, @builtin(subgroup_size) sg_size: u32) {
  let acc = gemv_partial(wg.x, tid);
#unroll r RPT
  gemv_store(gemv_row(wg.x, tid, {r}u), tid % LANES, reduce_rows_sg(gemv_sums_{r}(acc), tid, sg_id, sg_size));
#end
}
