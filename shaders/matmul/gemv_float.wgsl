// GEMV chunk on decoded values: X is decoded per use (it is small and cached). Entries at or past
// k_end are masked (k_end = K for the last chunk, 2^32 − 1 for full ones: mask8 returns at once).
fn gemv_chunk(acc: vec4<f32>, n: u32, k: u32, k_end: u32) -> vec4<f32> {
  let wv = mask8(w_decode8(n, k), k, k_end);
  var r = acc;
  for (var m = 0u; m < params.m; m++) {
    let xv = mask8(x_decode8(m, k), k, k_end);
    r[m] += dot(xv.lo, wv.lo) + dot(xv.hi, wv.hi);
  }
  return r;
}
