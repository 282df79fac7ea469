// Loop and output of the GEMV templates (M ≤ 4), shared by the float and integer bodies, which
// define gemv_chunk(acc, n, k, k_end): acc + X[·, k..k+8)·W[n, k..k+8), entries at or past k_end masked.
#include "matmul/io.wgsl"

fn gemv_store(n: u32, lane: u32, sum: vec4<f32>) {
  if (lane == 0u && n < params.n) {
    for (var m = 0u; m < params.m; m++) { y[params.y_base + m * params.y_stride + n] = sum[m]; }
  }
}

// Lane `lane` of row n takes the 8-entry chunks lane, lane + LANES, … (neighbouring lanes read
// neighbouring words of W); only the last chunk, when K is not a multiple of 8, is masked.
fn gemv_partial(n: u32, lane: u32) -> vec4<f32> {
  var acc = vec4<f32>(0.0);
  if (n >= params.n) { return acc; }
  let full = params.k / 8u;
  var c = lane;
  // two chunks per trip: CPU-backed adapters pay per loop trip (measured: 2 beats 1 and 4)
  for (; c + LANES < full; c += 2u * LANES) {
    acc = gemv_chunk(acc, n, c * 8u, 0xffffffffu);
    acc = gemv_chunk(acc, n, (c + LANES) * 8u, 0xffffffffu);
  }
  if (c < full) { acc = gemv_chunk(acc, n, c * 8u, 0xffffffffu); }
  if (params.k % 8u != 0u && full % LANES == lane) { acc = gemv_chunk(acc, n, full * 8u, params.k); }
  return acc;
}
