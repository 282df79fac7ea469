// Bandwidth ceiling for the GPU benchmark: each thread copies VEC4S_PER_THREAD vec4s (strided by the
// grid so neighbouring threads touch neighbouring addresses). Read + write bytes / time = copy GB/s.
const VEC4S_PER_THREAD: u32 = 16u;

struct CopyParams {
  count: u32, // vec4s
  threads: u32,
}
@group(0) @binding(AUTO) var<uniform> params: CopyParams;
@group(0) @binding(AUTO) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(AUTO) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(64)
fn copy(@builtin(global_invocation_id) id: vec3<u32>) {
  for (var i = 0u; i < VEC4S_PER_THREAD; i++) {
    let j = id.x + i * params.threads;
    if (j < params.count) { dst[j] = src[j]; }
  }
}
