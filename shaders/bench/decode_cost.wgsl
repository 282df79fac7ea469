// Decode cost of a format (bench:gpu's per-weight operation figure; docs/kernels.md §6): every 8-block of
// operand q is decoded once, as the GEMV's W side decodes it (decode_cost_block, from the snippet the host
// includes: the format's q_decode8, or its affine codes), and added into a per-thread sum stored at the
// end so nothing is optimised away. Workgroup y walks row y, its 64 threads adjacent 8-blocks.
#include "common/bits.wgsl"
#include "common/f16.wgsl"
#include "common/rounding.wgsl"
#include "common/block8.wgsl"

struct DecodeCostParams {
  k: u32,
}
@group(0) @binding(AUTO) var<uniform> params: DecodeCostParams;
@group(0) @binding(AUTO) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(64)
fn decode_cost(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  var lo = vec4<f32>(0.0);
  var hi = vec4<f32>(0.0);
  for (var k = 8u * lid.x; k < params.k; k += 8u * 64u) {
    let v = decode_cost_block(wid.y, k);
    lo += v.lo;
    hi += v.hi;
  }
  out[wid.y * 64u + lid.x] = lo + hi;
}
