// Loop and output of the GEMV templates (M ≤ 4), shared by the float, affine and integer bodies, which
// define the block types GemvX and GemvW, gemv_x(m, k, k_end) / gemv_w(n, k, k_end) (entries
// k..k+GEMV_STEP of a row of X or W, one step; entries at or past k_end must contribute nothing), a
// partial-sum type GemvPartial with gemv_fma(p, x, w) = p + x·w and gemv_total(p) = the sum p stands
// for. Host constants: GEMV_M (rows of X, fixed per pipeline), GEMV_CHUNKS (8-blocks per step: 1, more
// for the affine body) and RPT (rows of W per thread: each X block is decoded once and used RPT times —
// on a CPU-backed adapter, reading X once per row costs as much as reading W).
#include "matmul/io.wgsl"

// Thread t of workgroup g takes rows (g·ROWS·RPT + t / LANES) + r·ROWS, r < RPT (neighbouring threads
// on neighbouring rows).
fn gemv_row(wg: u32, tid: u32, r: u32) -> u32 {
  return wg * ROWS * RPT + tid / LANES + r * ROWS;
}

fn gemv_store(n: u32, lane: u32, sum: vec4<f32>) {
  if (lane == 0u && n < params.n) {
    for (var m = 0u; m < GEMV_M; m++) { y[params.y_base + m * params.y_stride + n] = sum[m]; }
  }
}

// Partial sums p{r}_{m}: row r of this thread's rows of W times row m of X. Unrolled by the composer
// (#unroll), not arrays: CPU-backed adapters keep loop-indexed arrays in memory.
struct GemvAcc {
#unroll r RPT
#unroll m GEMV_M
  p{r}_{m}: GemvPartial,
#end
#end
}

// Row r's sums, one component per row of X (gemv_total reduces a body's partial sum).
#unroll r RPT
fn gemv_sums_{r}(acc: GemvAcc) -> vec4<f32> {
  var s = vec4<f32>(0.0);
#unroll m GEMV_M
  s[{m}] = gemv_total(acc.p{r}_{m});
#end
  return s;
}
#end

// acc + X[·, k..k+GEMV_STEP)·W[rows, k..k+GEMV_STEP)ᵀ, entries at or past k_end masked (2^32 − 1: a full chunk).
fn gemv_step(acc: GemvAcc, wg: u32, tid: u32, k: u32, k_end: u32) -> GemvAcc {
#unroll m GEMV_M
  let x{m} = gemv_x({m}u, k, k_end);
#end
  var a = acc;
#unroll r RPT
  {
    // rows past N read row N − 1 (in bounds); their sums are never stored
    let w = gemv_w(min(gemv_row(wg, tid, {r}u), params.n - 1u), k, k_end);
#unroll m GEMV_M
    a.p{r}_{m} = gemv_fma(a.p{r}_{m}, x{m}, w);
#end
  }
#end
  return a;
}

// Lane `lane` of its rows takes the steps (GEMV_STEP entries) lane, lane + LANES, … (neighbouring lanes
// read neighbouring words of W); only the last step, when K is not a multiple of GEMV_STEP, is masked.
const GEMV_STEP = 8u * GEMV_CHUNKS;
fn gemv_partial(wg: u32, tid: u32) -> GemvAcc {
  var acc: GemvAcc;
  let lane = tid % LANES;
  let full = params.k / GEMV_STEP;
  var c = lane;
  // two steps per trip: CPU-backed adapters pay per loop trip (measured: 2 beats 1 and 4)
  for (; c + LANES < full; c += 2u * LANES) {
    acc = gemv_step(acc, wg, tid, c * GEMV_STEP, 0xffffffffu);
    acc = gemv_step(acc, wg, tid, (c + LANES) * GEMV_STEP, 0xffffffffu);
  }
  if (c < full) { acc = gemv_step(acc, wg, tid, c * GEMV_STEP, 0xffffffffu); }
  if (params.k % GEMV_STEP != 0u && full % LANES == lane) { acc = gemv_step(acc, wg, tid, full * GEMV_STEP, params.k); }
  return acc;
}
