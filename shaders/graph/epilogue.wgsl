// The epilogue of a linear layer, in place on its output (src/graph/fuse.ts, docs/graph.md):
//   y = post(act(pre(v))),  pre/post: v·s[c] + t[c] per channel c,  act: U(v + a), or v·U(v + a) when GATED.
// ACT selects U (0 none, 1 Relu, 2 Clip(p0, p1), 3 HardSigmoid(α = p0, β = p1), 4 Sigmoid); POST turns the
// second map on. coef holds [pre scale | pre shift | post scale | post shift], `channels` values each.
// Four values per thread (CPU-backed adapters run one SIMD lane per thread, so a vec4 each is 4× fewer threads):
//  - ep_inner: the tensor as rows (outer·C + c) of `inner` values, inner % 4 == 0; one channel per row;
//  - ep_last: rows of C channels (a MatMul's output), C % 4 == 0; four channels per thread;
//  - ep_any: any shape, element by element (c = (i / inner) % C).

struct EpParams {
  n: u32,
  inner: u32,
  channels: u32,
  groups_x: u32,
  a: f32,
  p0: f32,
  p1: f32,
}
@group(0) @binding(AUTO) var<uniform> ep: EpParams;
@group(0) @binding(AUTO) var<storage, read> coef: array<f32>;
@group(0) @binding(AUTO) var<storage, read_write> out4: array<vec4<f32>>;
@group(0) @binding(AUTO) var<storage, read_write> out1: array<f32>;

fn activate(y: vec4<f32>) -> vec4<f32> {
  let u = y + vec4<f32>(ep.a);
  var g = u;
  switch ACT {
    case 1u: { g = max(u, vec4<f32>(0.0)); }
    case 2u: { g = min(vec4<f32>(ep.p1), max(vec4<f32>(ep.p0), u)); }
    case 3u: { g = clamp(ep.p0 * u + ep.p1, vec4<f32>(0.0), vec4<f32>(1.0)); }
    case 4u: { g = 1.0 / (1.0 + exp(-u)); }
    default: { return y; }
  }
  if (GATED) { return y * g; }
  return g;
}

fn epilogue(v: vec4<f32>, c: vec4<u32>) -> vec4<f32> {
  let C = ep.channels;
  let s1 = vec4<f32>(coef[c.x], coef[c.y], coef[c.z], coef[c.w]);
  let t1 = vec4<f32>(coef[C + c.x], coef[C + c.y], coef[C + c.z], coef[C + c.w]);
  var y = activate(v * s1 + t1);
  if (POST) {
    let s2 = vec4<f32>(coef[2u * C + c.x], coef[2u * C + c.y], coef[2u * C + c.z], coef[2u * C + c.w]);
    let t2 = vec4<f32>(coef[3u * C + c.x], coef[3u * C + c.y], coef[3u * C + c.z], coef[3u * C + c.w]);
    y = y * s2 + t2;
  }
  return y;
}

// x: the vec4 within the row; workgroup y: the row (a 2-D grid keeps the channel a per-workgroup value).
@compute @workgroup_size(64)
fn ep_inner(@builtin(global_invocation_id) gid: vec3<u32>) {
  let per = ep.inner / 4u;
  if (gid.x >= per) { return; }
  let i = gid.y * per + gid.x;
  out4[i] = epilogue(out4[i], vec4<u32>(gid.y % ep.channels));
}

@compute @workgroup_size(64)
fn ep_last(@builtin(global_invocation_id) gid: vec3<u32>) {
  let per = ep.channels / 4u;
  if (gid.x >= per) { return; }
  let i = gid.y * per + gid.x;
  out4[i] = epilogue(out4[i], 4u * gid.x + vec4<u32>(0u, 1u, 2u, 3u));
}

@compute @workgroup_size(64)
fn ep_any(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wg.y * ep.groups_x + wg.x) * 64u + lid;
  if (i >= ep.n) { return; }
  out1[i] = epilogue(vec4<f32>(out1[i]), vec4<u32>((i / ep.inner) % ep.channels)).x;
}
