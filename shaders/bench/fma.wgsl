// Arithmetic ceiling for the GPU benchmark: CHAINS independent vec4 FMA chains per thread, ITERS steps
// each (2 · 4 · CHAINS · ITERS flops per thread); the result is stored so nothing is optimised away.
const CHAINS: u32 = 8u;

struct FmaParams {
  iters: u32,
  seed: f32,
}
@group(0) @binding(AUTO) var<uniform> params: FmaParams;
@group(0) @binding(AUTO) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(64)
fn fma_peak(@builtin(global_invocation_id) id: vec3<u32>) {
  var a: array<vec4<f32>, CHAINS>;
  for (var c = 0u; c < CHAINS; c++) { a[c] = vec4<f32>(f32(id.x + c) * 1e-6); }
  let m = vec4<f32>(0.999, 0.998, 0.997, 0.996);
  let s = vec4<f32>(params.seed);
  for (var i = 0u; i < params.iters; i++) {
    for (var c = 0u; c < CHAINS; c++) { a[c] = fma(a[c], m, s); }
  }
  var t = vec4<f32>(0.0);
  for (var c = 0u; c < CHAINS; c++) { t += a[c]; }
  out[id.x] = t;
}
