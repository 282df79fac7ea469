// Data movement of the graph runner, one thread per output element (2-D grid as in elementwise.wgsl).
//  - copy: out[out_base + Σ c_d·os_d] = src[in_base + Σ c_d·is_d] over a view of `rank` dims: Transpose,
//    Slice, Concat (one copy per input into its place), a contiguous copy; table = dims, is, os;
//  - resize_nearest: out[i] = src[Σ map_d[c_d]·is_d]; table = dims, is, and per axis its source index table
//    (offset of each table in table at table[2·rank + d]);
//  - im2col: the rows an implicit GEMM multiplies, from an NCHW image: row (oy, ox), column (c, ky, kx),
//    zero outside the image (padding). With kh = kw = 1 and no stride it is the [C, HW] → [HW, C] transpose.

struct LayoutParams {
  n: u32,
  rank: u32,
  groups_x: u32,
  in_base: u32,
  out_base: u32,
}
@group(0) @binding(AUTO) var<uniform> params: LayoutParams;
@group(0) @binding(AUTO) var<storage, read> src: array<f32>;
@group(0) @binding(AUTO) var<storage, read_write> out: array<f32>;
@group(0) @binding(AUTO) var<storage, read> table: array<u32>;

fn element(wg: vec3<u32>, lid: u32) -> u32 {
  return (wg.y * params.groups_x + wg.x) * 256u + lid;
}

@compute @workgroup_size(256)
fn copy(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = element(wg, lid);
  if (i >= params.n) { return; }
  var rem = i;
  var si = params.in_base;
  var so = params.out_base;
  for (var d = params.rank; d > 0u; d--) {
    let k = d - 1u;
    let c = rem % table[k];
    rem = rem / table[k];
    si += c * table[params.rank + k];
    so += c * table[2u * params.rank + k];
  }
  out[so] = src[si];
}

@compute @workgroup_size(256)
fn resize_nearest(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = element(wg, lid);
  if (i >= params.n) { return; }
  var rem = i;
  var si = params.in_base;
  for (var d = params.rank; d > 0u; d--) {
    let k = d - 1u;
    let c = rem % table[k];
    rem = rem / table[k];
    si += table[table[2u * params.rank + k] + c] * table[params.rank + k];
  }
  out[params.out_base + i] = src[si];
}

struct Im2colParams {
  n: u32,
  groups_x: u32,
  in_base: u32,
  channels: u32,
  h: u32,
  w: u32,
  ow: u32,
  kh: u32,
  kw: u32,
  sh: u32,
  sw: u32,
  pt: u32,
  pl: u32,
  dh: u32,
  dw: u32,
  cols: u32,
}
@group(0) @binding(AUTO) var<uniform> conv: Im2colParams;

@compute @workgroup_size(256)
fn im2col(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wg.y * conv.groups_x + wg.x) * 256u + lid;
  if (i >= conv.n) { return; }
  let row = i / conv.cols;
  let col = i % conv.cols;
  let kx = col % conv.kw;
  let ky = (col / conv.kw) % conv.kh;
  let c = col / (conv.kw * conv.kh);
  // Signed arithmetic: a padded position is negative before the bounds check.
  let iy = i32((row / conv.ow) * conv.sh + ky * conv.dh) - i32(conv.pt);
  let ix = i32((row % conv.ow) * conv.sw + kx * conv.dw) - i32(conv.pl);
  var v = 0.0;
  if (iy >= 0 && iy < i32(conv.h) && ix >= 0 && ix < i32(conv.w)) {
    v = src[conv.in_base + (c * conv.h + u32(iy)) * conv.w + u32(ix)];
  }
  out[i] = v;
}
