// GEMV chunk on integer blocks (both operands offer FMT_int8x8): one integer dot product of signed
// bytes (dot4i8: DP4A or its emulation) times the two blocks' factors, in f32; entries at or past
// k_end masked as in gemv_float.wgsl.
fn gemv_chunk(acc: vec4<f32>, n: u32, k: u32, k_end: u32) -> vec4<f32> {
  let wv = mask_int8x8(w_int8x8(n, k), k, k_end);
  var r = acc;
  for (var m = 0u; m < params.m; m++) {
    let xv = mask_int8x8(x_int8x8(m, k), k, k_end);
    r[m] += xv.factor * wv.factor * f32(dot4i8(xv.lo, wv.lo) + dot4i8(xv.hi, wv.hi));
  }
  return r;
}
