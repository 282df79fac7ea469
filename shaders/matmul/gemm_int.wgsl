// Y = X·Wᵀ when both operands offer integer blocks (symmetric INT with groups of 8k, E8 with q ≤ 63):
// the tiling of matmul/gemm.wgsl, but tiles hold each 8-entry block as 8 signed bytes plus one f32
// factor, and each block pair contributes factor_x · factor_w · (dot4i8(lo) + dot4i8(hi)) — exact
// integer inner products (DP4A where the WGSL feature exists, an emulation otherwise), f32 accumulation.
// Host constants: WG_X, WG_Y, RQ_M, RQ_N, TILE_K; the host includes common/dot4_{native,emulated}.wgsl.
#include "matmul/io.wgsl"

const THREADS: u32 = WG_X * WG_Y;
const TM: u32 = 4u * RQ_M * WG_Y;
const TN: u32 = 4u * RQ_N * WG_X;
const K8: u32 = TILE_K / 8u;

var<workgroup> x_bytes: array<array<vec2<u32>, TM>, K8>;
var<workgroup> x_fac: array<array<f32, TM>, K8>;
var<workgroup> w_bytes: array<array<vec2<u32>, TN>, K8>;
var<workgroup> w_fac: array<array<f32, TN>, K8>;

@compute @workgroup_size(WG_X, WG_Y)
fn gemm(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * TM;
  let col0 = wg.x * TN;
  let tid = lid.y * WG_X + lid.x;
  // Thread rows: lid.y + WG_Y·i; columns: lid.x + WG_X·j (strided, so staging reads stay coalesced).
  var acc: array<array<f32, 4u * RQ_N>, 4u * RQ_M>;
  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    for (var u = tid; u < K8 * TM; u += THREADS) {
      let r = u % TM;
      let b = u / TM;
      let k = k0 + b * 8u;
      var v = Int8x8(0u, 0u, 0.0);
      if (row0 + r < params.m && k < params.k) { v = mask_int8x8(x_int8x8(row0 + r, k), k, params.k); }
      x_bytes[b][r] = vec2<u32>(v.lo, v.hi);
      x_fac[b][r] = v.factor;
    }
    for (var u = tid; u < K8 * TN; u += THREADS) {
      let r = u % TN;
      let b = u / TN;
      let k = k0 + b * 8u;
      var v = Int8x8(0u, 0u, 0.0);
      if (col0 + r < params.n && k < params.k) { v = mask_int8x8(w_int8x8(col0 + r, k), k, params.k); }
      w_bytes[b][r] = vec2<u32>(v.lo, v.hi);
      w_fac[b][r] = v.factor;
    }
    workgroupBarrier();
    for (var b = 0u; b < K8; b++) {
      var wq: array<vec2<u32>, 4u * RQ_N>;
      var wf: array<f32, 4u * RQ_N>;
      for (var j = 0u; j < 4u * RQ_N; j++) {
        wq[j] = w_bytes[b][lid.x + WG_X * j];
        wf[j] = w_fac[b][lid.x + WG_X * j];
      }
      for (var i = 0u; i < 4u * RQ_M; i++) {
        let xq = x_bytes[b][lid.y + WG_Y * i];
        let xf = x_fac[b][lid.y + WG_Y * i];
        for (var j = 0u; j < 4u * RQ_N; j++) {
          acc[i][j] += xf * wf[j] * f32(dot4i8(xq.x, wq[j].x) + dot4i8(xq.y, wq[j].y));
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u * RQ_M; i++) {
    let gm = row0 + lid.y + WG_Y * i;
    if (gm >= params.m) { continue; }
    for (var j = 0u; j < 4u * RQ_N; j++) {
      let gn = col0 + lid.x + WG_X * j;
      if (gn < params.n) { y[params.y_base + gm * params.y_stride + gn] = acc[i][j]; }
    }
  }
}
