// Y += a·u·vᵀ, a rank-one update with u and v read as f32 bit patterns from u32 streams (a quantized
// matrix's scales: the universal scheme's row means) or v = 1: the mean term K·μ_x·μ_wᵀ of a product of
// centred operands, or the means added back to decoded rows (docs/universal.md).
#include "common/rounding.wgsl"

struct OuterParams {
  m: u32,
  n: u32,
  a: f32,
  y_base: u32,
  y_stride: u32,
  u_base: u32,
  u_stride: u32,
  v_base: u32,
  v_stride: u32,
  v_ones: u32,
}
@group(0) @binding(AUTO) var<uniform> params: OuterParams;
@group(0) @binding(AUTO) var<storage, read_write> y: array<f32>;
@group(0) @binding(AUTO) var<storage, read> u: array<u32>;
@group(0) @binding(AUTO) var<storage, read> v: array<u32>;

@compute @workgroup_size(64)
fn add_outer(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col = gid.x;
  let row = gid.y;
  if (col >= params.n || row >= params.m) { return; }
  var vn = 1.0;
  if (params.v_ones == 0u) { vn = bitcast<f32>(v[params.v_base + col * params.v_stride]); }
  let term = params.a * bitcast<f32>(u[params.u_base + row * params.u_stride]) * vn;
  let at = params.y_base + row * params.y_stride + col;
  y[at] = ftz(y[at] + term);
}
