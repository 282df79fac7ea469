// Y = X·Wᵀ when both operands offer integer blocks (symmetric INT with groups of 8k, E8 with q ≤ 63):
// the tiling of matmul/gemm.wgsl, but tiles hold each 8-entry block as 8 signed bytes plus one f32
// factor, and each block pair contributes factor_x · factor_w · (dot4i8(lo) + dot4i8(hi)) — exact
// integer inner products (DP4A where the WGSL feature exists, an emulation otherwise), f32 accumulation.
// Host constants: WG_X, WG_Y, RQ_M, RQ_N, TILE_K; the host includes common/dot4_{native,emulated}.wgsl.
// The register tile is unrolled by the composer (#unroll), as in matmul/gemm.wgsl.
#include "matmul/io.wgsl"

const THREADS: u32 = WG_X * WG_Y;
const TM: u32 = 4u * RQ_M * WG_Y;
const TN: u32 = 4u * RQ_N * WG_X;
const K8: u32 = TILE_K / 8u;

// X and W stage the same way (#each: one source for both; TM rows of X, TN rows of W per tile).
#each op,bound,rows x,m,TM w,n,TN
var<workgroup> {op}_bytes: array<array<vec2<u32>, {rows}>, K8>;
var<workgroup> {op}_fac: array<array<f32, {rows}>, K8>;

// The tile for the K step at k0, rows from `first`: unit u = (row, 8-entry block), as bytes + factor.
fn stage_{op}_tile(first: u32, k0: u32, tid: u32) {
  for (var u = tid; u < K8 * {rows}; u += THREADS) {
    let r = u % {rows};
    let b = u / {rows};
    let k = k0 + b * 8u;
    var v = Int8x8(0u, 0u, 0.0);
    if (first + r < params.{bound} && k < params.k) { v = mask_int8x8({op}_int8x8(first + r, k), k, params.k); }
    {op}_bytes[b][r] = vec2<u32>(v.lo, v.hi);
    {op}_fac[b][r] = v.factor;
  }
}
#end

// Thread rows: lid.y + WG_Y·(4a + i); columns: lid.x + WG_X·(4b + l) (strided, so staging reads stay
// coalesced). acc_{a}_{i}_{b} holds row (a, i) against the four columns (b, 0..4).
struct GemmIntAcc {
#unroll a RQ_M
#unroll i 4
#unroll b RQ_N
  acc_{a}_{i}_{b}: vec4<f32>,
#end
#end
#end
}

fn gemm_int_step(t: GemmIntAcc, kb: u32, lid: vec2<u32>) -> GemmIntAcc {
  var s = t;
#unroll b RQ_N
#unroll l 4
  let wq{b}_{l} = w_bytes[kb][lid.x + WG_X * (4u * {b}u + {l}u)];
#end
  let wf{b} = vec4<f32>(w_fac[kb][lid.x + WG_X * 4u * {b}u], w_fac[kb][lid.x + WG_X * (4u * {b}u + 1u)],
                        w_fac[kb][lid.x + WG_X * (4u * {b}u + 2u)], w_fac[kb][lid.x + WG_X * (4u * {b}u + 3u)]);
#end
#unroll a RQ_M
#unroll i 4
  {
    let xq = x_bytes[kb][lid.y + WG_Y * (4u * {a}u + {i}u)];
    let xf = x_fac[kb][lid.y + WG_Y * (4u * {a}u + {i}u)];
#unroll b RQ_N
    s.acc_{a}_{i}_{b} = fma(xf * wf{b}, vec4<f32>(vec4<i32>(
      dot4i8(xq.x, wq{b}_0.x) + dot4i8(xq.y, wq{b}_0.y), dot4i8(xq.x, wq{b}_1.x) + dot4i8(xq.y, wq{b}_1.y),
      dot4i8(xq.x, wq{b}_2.x) + dot4i8(xq.y, wq{b}_2.y), dot4i8(xq.x, wq{b}_3.x) + dot4i8(xq.y, wq{b}_3.y))), s.acc_{a}_{i}_{b});
#end
  }
#end
#end
  return s;
}

// Row gm, columns gn + WG_X·l (l < 4).
fn gemm_int_store(gm: u32, gn: u32, v: vec4<f32>) {
  if (gm >= params.m) { return; }
  for (var l = 0u; l < 4u; l++) {
    let n = gn + WG_X * l;
    if (n < params.n) { y[params.y_base + gm * params.y_stride + n] = v[l]; }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn gemm(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * TM;
  let col0 = wg.x * TN;
  let tid = lid.y * WG_X + lid.x;
  var t: GemmIntAcc;
  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    stage_x_tile(row0, k0, tid);
    stage_w_tile(col0, k0, tid);
    workgroupBarrier();
    for (var kb = 0u; kb < K8; kb++) { t = gemm_int_step(t, kb, lid.xy); }
    workgroupBarrier();
  }
#unroll a RQ_M
#unroll i 4
#unroll b RQ_N
  gemm_int_store(row0 + lid.y + WG_Y * (4u * {a}u + {i}u), col0 + lid.x + WG_X * 4u * {b}u, t.acc_{a}_{i}_{b});
#end
#end
#end
}
