// Y[m, n] = Σ_k x(m, k) · w(n, k)  (Y = X·Wᵀ, both operands K-contiguous), one template for every pair of
// formats: x_decode8 / w_decode8 come from the operands' snippets (formats/f32.wgsl for plain matrices).
//
// Tiling: a workgroup of WG_X × WG_Y threads owns a TILE_M × TILE_N block of Y (TILE_M = 4·RQ_M·WG_Y,
// TILE_N = 4·RQ_N·WG_X). Each K step of TILE_K entries stages both operand tiles in workgroup memory,
// decoding every entry exactly once (8 at a time, by the format), then each thread accumulates its
// 4·RQ_M × 4·RQ_N register tile from vec4 reads, in f32. Host constants: WG_X, WG_Y, RQ_M, RQ_N, TILE_K.
#include "matmul/io.wgsl"

const THREADS: u32 = WG_X * WG_Y;
const QM: u32 = RQ_M * WG_Y; // row quads (4 rows) per tile
const QN: u32 = RQ_N * WG_X;
const K8: u32 = TILE_K / 8u;

// Tiles are K-major with 4 consecutive rows (or columns) packed in a vec4.
var<workgroup> x_tile: array<array<vec4<f32>, QM>, TILE_K>;
var<workgroup> w_tile: array<array<vec4<f32>, QN>, TILE_K>;

@compute @workgroup_size(WG_X, WG_Y)
fn gemm(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * QM * 4u;
  let col0 = wg.x * QN * 4u;
  let tid = lid.y * WG_X + lid.x;
  var acc: array<array<vec4<f32>, 4u * RQ_N>, RQ_M>; // [row quad][4·col quad + row in quad] = 4 columns
  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    // Stage: unit u = (8-entry chunk c8, tile row r); rows past M/N and entries past K become 0.
    for (var u = tid; u < K8 * QM * 4u; u += THREADS) {
      let r = u % (QM * 4u);
      let c = (u / (QM * 4u)) * 8u;
      var v = Vals8(vec4<f32>(0.0), vec4<f32>(0.0));
      if (row0 + r < params.m && k0 + c < params.k) { v = mask8(x_decode8(row0 + r, k0 + c), k0 + c, params.k); }
      for (var i = 0u; i < 4u; i++) {
        x_tile[c + i][r / 4u][r % 4u] = v.lo[i];
        x_tile[c + 4u + i][r / 4u][r % 4u] = v.hi[i];
      }
    }
    for (var u = tid; u < K8 * QN * 4u; u += THREADS) {
      let r = u % (QN * 4u);
      let c = (u / (QN * 4u)) * 8u;
      var v = Vals8(vec4<f32>(0.0), vec4<f32>(0.0));
      if (col0 + r < params.n && k0 + c < params.k) { v = mask8(w_decode8(col0 + r, k0 + c), k0 + c, params.k); }
      for (var i = 0u; i < 4u; i++) {
        w_tile[c + i][r / 4u][r % 4u] = v.lo[i];
        w_tile[c + 4u + i][r / 4u][r % 4u] = v.hi[i];
      }
    }
    workgroupBarrier();
    for (var c = 0u; c < TILE_K; c++) {
      for (var a = 0u; a < RQ_M; a++) {
        let xv = x_tile[c][lid.y + a * WG_Y];
        for (var b = 0u; b < RQ_N; b++) {
          let wv = w_tile[c][lid.x + b * WG_X];
          acc[a][4u * b] += xv.x * wv;
          acc[a][4u * b + 1u] += xv.y * wv;
          acc[a][4u * b + 2u] += xv.z * wv;
          acc[a][4u * b + 3u] += xv.w * wv;
        }
      }
    }
    workgroupBarrier();
  }
  for (var a = 0u; a < RQ_M; a++) {
    for (var i = 0u; i < 4u; i++) {
      let gm = row0 + (lid.y + a * WG_Y) * 4u + i;
      if (gm >= params.m) { continue; }
      for (var b = 0u; b < RQ_N; b++) {
        for (var j = 0u; j < 4u; j++) {
          let gn = col0 + (lid.x + b * WG_X) * 4u + j;
          if (gn < params.n) { y[params.y_base + gm * params.y_stride + gn] = acc[a][4u * b + i][j]; }
        }
      }
    }
  }
}
