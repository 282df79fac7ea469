// GEMV partial on integer blocks (both operands offer FMT_int8x8): per 8-entry chunk one integer dot
// product of signed bytes (dot4i8: DP4A or its emulation) times the two blocks' factors, in f32.
fn gemv_partial(n: u32, lane: u32) -> vec4<f32> {
  var acc = vec4<f32>(0.0);
  if (n >= params.n) { return acc; }
  let chunks = (params.k + 7u) / 8u;
  for (var c = lane; c < chunks; c += LANES) {
    let k = c * 8u;
    let wv = mask_int8x8(w_int8x8(n, k), k, params.k);
    for (var m = 0u; m < params.m; m++) {
      let xv = mask_int8x8(x_int8x8(m, k), k, params.k);
      acc[m] += xv.factor * wv.factor * f32(dot4i8(xv.lo, wv.lo) + dot4i8(xv.hi, wv.hi));
    }
  }
  return acc;
}
