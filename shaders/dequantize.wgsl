// Decode operand `q` (any format) into a dense f32 matrix window.
#include "common/bits.wgsl"
#include "common/f16.wgsl"
#include "common/rounding.wgsl"

struct DequantizeParams {
  rows: u32,
  k: u32,
  k0: u32,
  out_base: u32,
  out_stride: u32,
}
@group(0) @binding(AUTO) var<uniform> params: DequantizeParams;
@group(0) @binding(AUTO) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn dequantize(@builtin(global_invocation_id) id: vec3<u32>) {
  let k = params.k0 + id.x;
  if (id.y >= params.rows || k >= params.k) { return; }
  out[params.out_base + id.y * params.out_stride + k] = q_decode(id.y, k);
}
