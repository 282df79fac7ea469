// GEMV partial on decoded values: lane `lane` of row n takes the 8-entry chunks lane, lane + LANES, …
// (neighbouring lanes read neighbouring words of W); X is decoded per use (it is small and cached).
fn gemv_partial(n: u32, lane: u32) -> vec4<f32> {
  var acc = vec4<f32>(0.0);
  if (n >= params.n) { return acc; }
  let chunks = (params.k + 7u) / 8u;
  for (var c = lane; c < chunks; c += LANES) {
    let k = c * 8u;
    let wv = mask8(w_decode8(n, k), k, params.k);
    for (var m = 0u; m < params.m; m++) {
      let xv = mask8(x_decode8(m, k), k, params.k);
      acc[m] += dot(xv.lo, wv.lo) + dot(xv.hi, wv.hi);
    }
  }
  return acc;
}
