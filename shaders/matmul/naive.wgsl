// The floor every other matmul kernel is measured against: one thread per output, one entry of each
// operand decoded per step, no tiling. Kept for the benchmark and as a second GPU reference.
#include "common/bits.wgsl"
#include "common/f16.wgsl"
#include "common/rounding.wgsl"

struct GemmParams {
  m: u32,
  n: u32,
  k: u32,
  y_base: u32,
  y_stride: u32,
}
@group(0) @binding(AUTO) var<uniform> params: GemmParams;
@group(0) @binding(AUTO) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(8, 8)
fn naive(@builtin(global_invocation_id) id: vec3<u32>) {
  let n = id.x;
  let m = id.y;
  if (m >= params.m || n >= params.n) { return; }
  var acc = 0.0;
  for (var k = 0u; k < params.k; k++) { acc += x_decode(m, k) * w_decode(n, k); }
  y[params.y_base + m * params.y_stride + n] = acc;
}
