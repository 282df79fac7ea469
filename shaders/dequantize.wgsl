// Decode operand `q` (any format) into a dense f32 matrix window, 8 entries per thread through the
// format's q_decode8 (lattice formats decode each 8-block once, not once per entry).
#include "common/bits.wgsl"
#include "common/f16.wgsl"
#include "common/rounding.wgsl"
#include "common/block8.wgsl"

struct DequantizeParams {
  rows: u32,
  k: u32,
  k0: u32,
  out_base: u32,
  out_stride: u32,
}
@group(0) @binding(AUTO) var<uniform> params: DequantizeParams;
@group(0) @binding(AUTO) var<storage, read_write> out: array<f32>;

// Thread x of row y: entries k0 + 8x … + 8 (those below k).
@compute @workgroup_size(64)
fn dequantize(@builtin(global_invocation_id) id: vec3<u32>) {
  let k = params.k0 + 8u * id.x;
  if (id.y >= params.rows || k >= params.k) { return; }
  let v = q_decode8(id.y, k);
  let base = params.out_base + id.y * params.out_stride + k;
  if (k + 8u <= params.k) {
#unroll i 4
    out[base + {i}u] = v.lo[{i}];
    out[base + 4u + {i}u] = v.hi[{i}];
#end
    return;
  }
  for (var i = 0u; i < params.k - k; i++) { out[base + i] = select(v.hi[i % 4u], v.lo[i % 4u], i < 4u); }
}
