// Arithmetic ceiling for the GPU benchmark: 8 independent vec4 FMA chains per thread, ITERS steps each
// (2 · 4 · 8 · ITERS flops per thread); the result is stored so nothing is optimised away. The chains
// are unrolled by the composer (#unroll): CPU-backed adapters keep a loop-indexed array in memory,
// which would measure memory, not arithmetic.
struct FmaParams {
  iters: u32,
  seed: f32,
}
@group(0) @binding(AUTO) var<uniform> params: FmaParams;
@group(0) @binding(AUTO) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(64)
fn fma_peak(@builtin(global_invocation_id) id: vec3<u32>) {
#unroll c 8
  var a{c} = vec4<f32>(f32(id.x + {c}u) * 1e-6);
#end
  let m = vec4<f32>(0.999, 0.998, 0.997, 0.996);
  let s = vec4<f32>(params.seed);
  for (var i = 0u; i < params.iters; i++) {
#unroll c 8
    a{c} = fma(a{c}, m, s);
#end
  }
  out[id.x] = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
}
