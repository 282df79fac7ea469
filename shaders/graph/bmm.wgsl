// MatMul of two activations (attention: Q·Kᵀ, P·V), batched with ONNX broadcasting: one thread per
// output element of out[b, i, j] = Σ_t a[a_off(b) + i·K + t] · b[b_off(b) + t·N + j], the batch offsets
// precomputed by the host into table (a_off, b_off per batch).

struct BmmParams {
  n: u32,
  groups_x: u32,
  m: u32,
  k: u32,
  cols: u32,
}
@group(0) @binding(AUTO) var<uniform> mm: BmmParams;
@group(0) @binding(AUTO) var<storage, read> lhs: array<f32>;
@group(0) @binding(AUTO) var<storage, read> rhs: array<f32>;
@group(0) @binding(AUTO) var<storage, read_write> out: array<f32>;
@group(0) @binding(AUTO) var<storage, read> table: array<u32>;

@compute @workgroup_size(256)
fn bmm(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = (wg.y * mm.groups_x + wg.x) * 256u + lid;
  if (e >= mm.n) { return; }
  let j = e % mm.cols;
  let i = (e / mm.cols) % mm.m;
  let b = e / (mm.cols * mm.m);
  let ao = table[2u * b] + i * mm.k;
  let bo = table[2u * b + 1u] + j;
  var s = 0.0;
  for (var t = 0u; t < mm.k; t++) { s += lhs[ao + t] * rhs[bo + t * mm.cols]; }
  out[e] = s;
}
