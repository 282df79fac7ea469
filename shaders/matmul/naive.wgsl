// The floor every other matmul kernel is measured against: one thread per output, one entry of each
// operand decoded per step, no tiling. Kept for the benchmark and as a second GPU reference.
#include "matmul/io.wgsl"

@compute @workgroup_size(8, 8)
fn naive(@builtin(global_invocation_id) id: vec3<u32>) {
  let n = id.x;
  let m = id.y;
  if (m >= params.m || n >= params.n) { return; }
  var acc = 0.0;
  for (var k = 0u; k < params.k; k++) { acc += x_decode(m, k) * w_decode(n, k); }
  y[params.y_base + m * params.y_stride + n] = acc;
}
