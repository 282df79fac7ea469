// Element-wise graph ops, one thread per output element (256 per workgroup, a 2-D grid of workgroups so
// large tensors fit the per-dimension limit: element = (wg.y·groups_x + wg.x)·256 + lid).
//  - binary: out = a ∘ b with ONNX broadcasting; table holds the output dims and both operands' strides
//    (0 along broadcast axes), rank entries each;
//  - unary: out = f(a) with up to two parameters (HardSigmoid α β, Clip lo hi);
//  - channel: out = a·scale[c] + shift[c], c the channel (axis 1 of NCHW: (i / inner) % channels).
// OP (a host constant) selects the operation, so each op is its own specialised pipeline.

struct EwParams {
  n: u32,
  rank: u32,
  groups_x: u32,
  inner: u32,
  channels: u32,
  p0: f32,
  p1: f32,
}
@group(0) @binding(AUTO) var<uniform> params: EwParams;
@group(0) @binding(AUTO) var<storage, read> a: array<f32>;
@group(0) @binding(AUTO) var<storage, read> b: array<f32>;
@group(0) @binding(AUTO) var<storage, read_write> out: array<f32>;
@group(0) @binding(AUTO) var<storage, read> table: array<u32>;

fn element(wg: vec3<u32>, lid: u32) -> u32 {
  return (wg.y * params.groups_x + wg.x) * 256u + lid;
}

// x^y as ONNX Pow means it: defined for a negative base when y is an integer (WGSL's pow is not).
fn power(x: f32, y: f32) -> f32 {
  if (y == 2.0) { return x * x; }
  if (y == 1.0) { return x; }
  if (y == 0.5) { return sqrt(x); }
  let m = pow(abs(x), y);
  if (x < 0.0 && y == floor(y)) {
    let odd = abs(y - 2.0 * floor(y / 2.0)) == 1.0;
    return select(m, -m, odd);
  }
  return pow(x, y);
}

// OP: 0 Add, 1 Sub, 2 Mul, 3 Div, 4 Pow
fn apply_binary(x: f32, y: f32) -> f32 {
  switch OP {
    case 0u: { return x + y; }
    case 1u: { return x - y; }
    case 2u: { return x * y; }
    case 3u: { return x / y; }
    default: { return power(x, y); }
  }
}

@compute @workgroup_size(256)
fn binary(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = element(wg, lid);
  if (i >= params.n) { return; }
  var rem = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = params.rank; d > 0u; d--) {
    let k = d - 1u;
    let c = rem % table[k];
    rem = rem / table[k];
    ia += c * table[params.rank + k];
    ib += c * table[2u * params.rank + k];
  }
  out[i] = apply_binary(a[ia], b[ib]);
}

// OP: 0 Relu, 1 Sigmoid, 2 HardSigmoid, 3 Clip, 4 Sqrt, 5 Identity
fn apply_unary(x: f32) -> f32 {
  switch OP {
    case 0u: { return max(x, 0.0); }
    case 1u: { return 1.0 / (1.0 + exp(-x)); }
    case 2u: { return clamp(params.p0 * x + params.p1, 0.0, 1.0); }
    case 3u: { return min(params.p1, max(params.p0, x)); }
    case 4u: { return sqrt(x); }
    default: { return x; }
  }
}

@compute @workgroup_size(256)
fn unary(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = element(wg, lid);
  if (i >= params.n) { return; }
  out[i] = apply_unary(a[i]);
}

// a = per-channel scale, b = per-channel shift (BatchNormalization as an affine map, a bias).
@compute @workgroup_size(256)
fn channel(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = element(wg, lid);
  if (i >= params.n) { return; }
  let c = (i / params.inner) % params.channels;
  out[i] = out[i] * a[c] + b[c];
}
