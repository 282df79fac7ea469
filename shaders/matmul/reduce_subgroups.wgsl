// Row reduction of the GEMV templates with the `subgroups` feature: subgroupAdd sums each subgroup
// first, so a row has LANES / subgroup_size partials left instead of LANES. That is valid only when
// subgroups are contiguous runs of local_invocation_index whose size divides LANES. WGSL does not
// promise that layout, so each workgroup checks it and uses the plain workgroup-memory sum otherwise.
#include "matmul/reduce_workgroup.wgsl"

var<workgroup> layout_bad: atomic<u32>;

fn reduce_rows_sg(acc: vec4<f32>, tid: u32, sg_id: u32, sg_size: u32) -> vec4<f32> {
  if (LANES == 1u) { return acc; }
  let s = subgroupAdd(acc);
  let first = subgroupBroadcastFirst(tid);
  if (!(sg_size <= LANES && LANES % sg_size == 0u && first + sg_id == tid)) { atomicMax(&layout_bad, 1u); }
  workgroupBarrier();
  var step = 1u;
  var v = acc;
  if (atomicLoad(&layout_bad) == 0u) {
    step = sg_size;
    v = s;
  }
  return sum_row_partials(v, tid, step);
}
