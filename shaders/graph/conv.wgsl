// Convolution steps that do not go through the engine's GEMM, one thread per output element (NCHW)
// (grouped convolutions: conv_direct.wgsl):
//  - col2im: ConvTranspose after its GEMM: the GEMM gives cols[(o, ky, kx), (iy, ix)] = Σ_c W[c, o, ky, kx]·x[c, iy, ix],
//    and each output sums the cols that land on it (a gather, so no atomics), plus the bias;
//  - avg_pool: AveragePool (padding excluded from the count unless count_include_pad).

#include "graph/conv_params.wgsl"

fn element(wg: vec3<u32>, lid: u32) -> u32 {
  return (wg.y * cv.groups_x + wg.x) * 256u + lid;
}

// src = cols [O·kh·kw, h·w] from the GEMM; out [O, oh, ow].
@compute @workgroup_size(256)
fn col2im(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = element(wg, lid);
  if (i >= cv.n) { return; }
  let ox = i % cv.ow;
  let oy = (i / cv.ow) % cv.oh;
  let o = i / (cv.ow * cv.oh);
  var s = bias[o];
  for (var ky = 0u; ky < cv.kh; ky++) {
    let ty = i32(oy + cv.pt) - i32(ky * cv.dh);
    if (ty < 0 || ty % i32(cv.sh) != 0) { continue; }
    let iy = u32(ty) / cv.sh;
    if (iy >= cv.h) { continue; }
    for (var kx = 0u; kx < cv.kw; kx++) {
      let tx = i32(ox + cv.pl) - i32(kx * cv.dw);
      if (tx < 0 || tx % i32(cv.sw) != 0) { continue; }
      let ix = u32(tx) / cv.sw;
      if (ix >= cv.w) { continue; }
      s += src[cv.in_base + ((o * cv.kh + ky) * cv.kw + kx) * cv.h * cv.w + iy * cv.w + ix];
    }
  }
  out[cv.out_base + i] = s;
}

@compute @workgroup_size(256)
fn avg_pool(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = element(wg, lid);
  if (i >= cv.n) { return; }
  let ox = i % cv.ow;
  let oy = (i / cv.ow) % cv.oh;
  let p = i / (cv.ow * cv.oh);
  var s = 0.0;
  var count = 0u;
  for (var ky = 0u; ky < cv.kh; ky++) {
    for (var kx = 0u; kx < cv.kw; kx++) {
      let iy = i32(oy * cv.sh + ky) - i32(cv.pt);
      let ix = i32(ox * cv.sw + kx) - i32(cv.pl);
      let inside = iy >= 0 && iy < i32(cv.h) && ix >= 0 && ix < i32(cv.w);
      if (inside) { s += src[cv.in_base + (p * cv.h + u32(iy)) * cv.w + u32(ix)]; }
      if (inside || (cv.count_pad == 1u && iy < i32(cv.h + cv.pb) && ix < i32(cv.w + cv.pr))) { count++; }
    }
  }
  out[cv.out_base + i] = s / f32(count);
}
