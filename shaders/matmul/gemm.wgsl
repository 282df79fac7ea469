// Y[m, n] = Σ_k x(m, k) · w(n, k)  (Y = X·Wᵀ, both operands K-contiguous), one template for every pair of
// formats: x_decode8 / w_decode8 come from the operands' snippets (formats/f32.wgsl for plain matrices).
//
// Tiling: a workgroup of WG_X × WG_Y threads owns a TILE_M × TILE_N block of Y (TILE_M = 4·RQ_M·WG_Y,
// TILE_N = 4·RQ_N·WG_X). Each K step of TILE_K entries stages both operand tiles in workgroup memory,
// decoding every entry exactly once (8 at a time, by the format), then each thread accumulates its
// 4·RQ_M × 4·RQ_N register tile from vec4 reads, in f32. Host constants: WG_X, WG_Y, RQ_M, RQ_N, TILE_K.
// The register tile is unrolled by the composer (#unroll): CPU-backed adapters do not unroll loops,
// and a loop-indexed accumulator array would live in memory.
#include "matmul/io.wgsl"

const THREADS: u32 = WG_X * WG_Y;
const QM: u32 = RQ_M * WG_Y; // row quads (4 rows) per tile
const QN: u32 = RQ_N * WG_X;
const K8: u32 = TILE_K / 8u;

// Tiles are K-major with 4 consecutive rows (or columns) packed in a vec4. X and W stage the same way
// (#each: one source for both; X has M rows in QM quads per tile, W has N rows in QN quads).
#each op,bound,quads x,m,QM w,n,QN
var<workgroup> {op}_tile: array<array<vec4<f32>, {quads}>, TILE_K>;

// Entries k..k+8 of rows r..r+4 (rows past the bound and entries past K read as 0), transposed into
// the tile: 8 vec4 stores of 4 rows each. The rows are a loop (one copy of the decoder in the code: the
// decode unrolled ×4 made the E8 GEMM 3× slower) whose values land in their vec4 lane by select.
fn stage_{op}(r: u32, k: u32, c: u32, q: u32) {
#unroll j 4
  var lo{j} = vec4<f32>(0.0);
  var hi{j} = vec4<f32>(0.0);
#end
  for (var i = 0u; i < 4u; i++) {
    if (r + i >= params.{bound} || k >= params.k) { break; }
    let v = mask8({op}_decode8(r + i, k), k, params.k);
    let lane = vec4<u32>(0u, 1u, 2u, 3u) == vec4<u32>(i);
#unroll j 4
    lo{j} = select(lo{j}, vec4<f32>(v.lo[{j}]), lane);
    hi{j} = select(hi{j}, vec4<f32>(v.hi[{j}]), lane);
#end
  }
#unroll j 4
  {op}_tile[c + {j}u][q] = lo{j};
  {op}_tile[c + 4u + {j}u][q] = hi{j};
#end
}

// The whole tile for the K step at k0, rows from `first`: unit u = (8-entry chunk, row quad); each entry
// is decoded once.
fn stage_{op}_tile(first: u32, k0: u32, tid: u32) {
  for (var u = tid; u < K8 * {quads}; u += THREADS) {
    let q = u % {quads};
    let c = (u / {quads}) * 8u;
    stage_{op}(first + 4u * q, k0 + c, c, q);
  }
}
#end

// Row 4·(lid.y + a·WG_Y) + i of the tile against columns 4·(lid.x + b·WG_X) + 0..4: acc_{a}_{b}_{i}.
struct GemmAcc {
#unroll a RQ_M
#unroll b RQ_N
#unroll i 4
  acc_{a}_{b}_{i}: vec4<f32>,
#end
#end
#end
}

fn gemm_step(t: GemmAcc, c: u32, lid: vec2<u32>) -> GemmAcc {
  var s = t;
#unroll a RQ_M
  let x{a} = x_tile[c][lid.y + {a}u * WG_Y];
#end
#unroll b RQ_N
  let w{b} = w_tile[c][lid.x + {b}u * WG_X];
#end
#unroll a RQ_M
#unroll b RQ_N
#unroll i 4
  s.acc_{a}_{b}_{i} = fma(vec4<f32>(x{a}[{i}]), w{b}, s.acc_{a}_{b}_{i});
#end
#end
#end
  return s;
}

fn gemm_store(gm: u32, gn: u32, v: vec4<f32>) {
  if (gm >= params.m) { return; }
  let base = params.y_base + gm * params.y_stride;
  for (var j = 0u; j < 4u; j++) {
    if (gn + j < params.n) { y[base + gn + j] = v[j]; }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn gemm(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row0 = wg.y * QM * 4u;
  let col0 = wg.x * QN * 4u;
  let tid = lid.y * WG_X + lid.x;
  var t: GemmAcc;
  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    stage_x_tile(row0, k0, tid);
    stage_w_tile(col0, k0, tid);
    workgroupBarrier();
    for (var c = 0u; c < TILE_K; c++) { t = gemm_step(t, c, lid.xy); }
    workgroupBarrier();
  }
#unroll a RQ_M
#unroll b RQ_N
#unroll i 4
  gemm_store(row0 + 4u * (lid.y + {a}u * WG_Y) + {i}u, col0 + 4u * (lid.x + {b}u * WG_X), t.acc_{a}_{b}_{i});
#end
#end
#end
}
