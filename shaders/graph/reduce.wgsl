// Reductions of the graph runner.
//  - softmax: one workgroup per (row, j): the max, the sum of exponentials and the quotients over the `len`
//    entries at (row·len + k)·inner + j, shared through workgroup memory (ONNX opset < 13 flattens the
//    axes from `axis` on into one row: inner = 1);
//  - reduce_mean: one thread per output; table = output dims (rank), the input strides of the kept axes
//    (rank), the reduced axes' sizes and strides (count each).

struct SoftmaxParams {
  rows: u32,
  len: u32,
  inner: u32,
  groups_x: u32,
}
@group(0) @binding(AUTO) var<uniform> sm: SoftmaxParams;
@group(0) @binding(AUTO) var<storage, read> src: array<f32>;
@group(0) @binding(AUTO) var<storage, read_write> out: array<f32>;

const THREADS: u32 = 64u;
var<workgroup> part: array<f32, THREADS>;

fn tree(t: u32, is_max: bool) -> f32 {
  workgroupBarrier();
  for (var s = THREADS / 2u; s > 0u; s /= 2u) {
    if (t < s) { part[t] = select(part[t] + part[t + s], max(part[t], part[t + s]), is_max); }
    workgroupBarrier();
  }
  let v = part[0];
  workgroupBarrier();
  return v;
}

@compute @workgroup_size(64)
fn softmax(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let id = wg.y * sm.groups_x + wg.x;
  if (id >= sm.rows * sm.inner) { return; }
  let row = id / sm.inner;
  let j = id % sm.inner;
  let base = row * sm.len * sm.inner + j;
  var m = -3.4028234663852886e38;
  for (var k = t; k < sm.len; k += THREADS) { m = max(m, src[base + k * sm.inner]); }
  part[t] = m;
  m = tree(t, true);
  var s = 0.0;
  for (var k = t; k < sm.len; k += THREADS) { s += exp(src[base + k * sm.inner] - m); }
  part[t] = s;
  s = tree(t, false);
  for (var k = t; k < sm.len; k += THREADS) { out[base + k * sm.inner] = exp(src[base + k * sm.inner] - m) / s; }
}

struct ReduceParams {
  n: u32,
  rank: u32,
  count: u32,
  total: u32,
  groups_x: u32,
  scale: f32,
}
@group(0) @binding(AUTO) var<uniform> rd: ReduceParams;
@group(0) @binding(AUTO) var<storage, read> table: array<u32>;

@compute @workgroup_size(256)
fn reduce_mean(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wg.y * rd.groups_x + wg.x) * 256u + lid;
  if (i >= rd.n) { return; }
  var rem = i;
  var base = 0u;
  for (var d = rd.rank; d > 0u; d--) {
    let k = d - 1u;
    base += (rem % table[k]) * table[rd.rank + k];
    rem = rem / table[k];
  }
  let r = 2u * rd.rank;
  var s = 0.0;
  for (var e = 0u; e < rd.total; e++) {
    var q = e;
    var off = base;
    for (var d = rd.count; d > 0u; d--) {
      let k = d - 1u;
      off += (q % table[r + k]) * table[r + rd.count + k];
      q = q / table[r + k];
    }
    s += src[off];
  }
  out[i] = s * rd.scale;
}
