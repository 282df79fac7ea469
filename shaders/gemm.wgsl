// Y[m, n] = sum_k x(m, k) * w(n, k)  (Y = X * W^T, both operands K-contiguous).
// One template for every pair of formats: x_decode / w_decode come from the operands' snippets
// (formats/f32.wgsl for plain matrices). Tiles of TILE_M x TILE_N outputs per workgroup, staged through
// workgroup memory TILE_K entries of K at a time, 4x4 outputs per thread, f32 accumulation.
#include "common/bits.wgsl"
#include "common/f16.wgsl"
#include "common/rounding.wgsl"

const TILE_M: u32 = 32u;
const TILE_N: u32 = 32u;
const TILE_K: u32 = 32u;
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

// Tiles are stored K-major with 4 consecutive rows (or columns) packed in a vec4, so the inner loop
// is 4 vec4 multiply-adds per K step: acc[i] += x(row i) * w(4 columns).
var<workgroup> x_tile: array<array<vec4<f32>, TILE_M / 4u>, TILE_K>;
var<workgroup> w_tile: array<array<vec4<f32>, TILE_N / 4u>, TILE_K>;

@compute @workgroup_size(8, 8)
fn gemm(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * TILE_M;
  let col0 = wg.x * TILE_N;
  let tid = lid.y * 8u + lid.x;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    // Stage both tiles, decoding each entry once; entries past the edges are zero.
    // Thread t fills vec4 slot (c, q): rows 4q..4q+3 at K offset c.
    for (var i = 0u; i < (TILE_M / 4u * TILE_K) / THREADS; i++) {
      let e = tid + i * THREADS;
      let c = e / (TILE_M / 4u);
      let q = e % (TILE_M / 4u);
      let gk = k0 + c;
      var xv = vec4<f32>(0.0);
      var wv = vec4<f32>(0.0);
      if (gk < params.k) {
        for (var j = 0u; j < 4u; j++) {
          let r = q * 4u + j;
          if (row0 + r < params.m) { xv[j] = x_decode(row0 + r, gk); }
          if (col0 + r < params.n) { wv[j] = w_decode(col0 + r, gk); }
        }
      }
      x_tile[c][q] = xv;
      w_tile[c][q] = wv;
    }
    workgroupBarrier();
    for (var c = 0u; c < TILE_K; c++) {
      let xv = x_tile[c][lid.y];
      let wv = w_tile[c][lid.x];
      acc[0] += xv.x * wv;
      acc[1] += xv.y * wv;
      acc[2] += xv.z * wv;
      acc[3] += xv.w * wv;
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
