// Parameters and output of the GEMV templates (Y = X·Wᵀ, M ≤ 4), shared by the float and integer bodies.
struct GemvParams {
  m: u32,
  n: u32,
  k: u32,
  y_base: u32,
  y_stride: u32,
}
@group(0) @binding(AUTO) var<uniform> params: GemvParams;
@group(0) @binding(AUTO) var<storage, read_write> y: array<f32>;

fn gemv_store(n: u32, lane: u32, sum: vec4<f32>) {
  if (lane == 0u && n < params.n) {
    for (var m = 0u; m < params.m; m++) { y[params.y_base + m * params.y_stride + n] = sum[m]; }
  }
}
