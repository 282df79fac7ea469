// Output of the GEMV templates (M ≤ 4), shared by the float and integer bodies.
#include "matmul/io.wgsl"

fn gemv_store(n: u32, lane: u32, sum: vec4<f32>) {
  if (lane == 0u && n < params.n) {
    for (var m = 0u; m < params.m; m++) { y[params.y_base + m * params.y_stride + n] = sum[m]; }
  }
}
