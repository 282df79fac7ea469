// Y[m, n] = sum_k x(m, k) * w(n, k)  (Y = X * W^T, both operands K-contiguous).
// One template for every pair of formats: x_decode / w_decode come from the operands' snippets
// (formats/f32.wgsl for plain matrices). Tiles of TILE_M x TILE_N outputs per workgroup, staged through
// workgroup memory TILE_K entries of K at a time, 4x4 outputs per thread, f32 accumulation.
#include "common/bits.wgsl"
#include "common/f16.wgsl"
#include "common/rounding.wgsl"

const TILE_M: u32 = 32u;
const TILE_N: u32 = 32u;
const TILE_K: u32 = 16u;
const THREADS: u32 = 64u;

struct GemmParams {
  m: u32,
  n: u32,
  k: u32,
  y_base: u32,
  y_stride: u32,
}
@group(0) @binding(AUTO) var<uniform> params: GemmParams;
@group(0) @binding(AUTO) var<storage, read_write> y: array<f32>;

var<workgroup> x_tile: array<array<f32, TILE_K>, TILE_M>;
var<workgroup> w_tile: array<array<f32, TILE_K>, TILE_N>;

@compute @workgroup_size(8, 8)
fn gemm(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * TILE_M;
  let col0 = wg.x * TILE_N;
  let tid = lid.y * 8u + lid.x;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    // Stage both tiles, decoding each entry once; entries past the edges are zero.
    for (var i = 0u; i < (TILE_M * TILE_K) / THREADS; i++) {
      let e = tid + i * THREADS;
      let r = e / TILE_K;
      let c = e % TILE_K;
      let gk = k0 + c;
      var xv = 0.0;
      if (row0 + r < params.m && gk < params.k) { xv = x_decode(row0 + r, gk); }
      x_tile[r][c] = xv;
      var wv = 0.0;
      if (col0 + r < params.n && gk < params.k) { wv = w_decode(col0 + r, gk); }
      w_tile[r][c] = wv;
    }
    workgroupBarrier();
    for (var c = 0u; c < TILE_K; c++) {
      var xr: array<f32, 4>;
      var wr: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        xr[i] = x_tile[lid.y * 4u + i][c];
        wr[i] = w_tile[lid.x * 4u + i][c];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) {
          acc[i][j] += xr[i] * wr[j];
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let gm = row0 + lid.y * 4u + i;
    if (gm >= params.m) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let gn = col0 + lid.x * 4u + j;
      if (gn < params.n) { y[params.y_base + gm * params.y_stride + gn] = acc[i][j]; }
    }
  }
}
