// Codebook element codec (NF4, optimal-density quantizers): FMT_LEVELS sorted, FMT_THRESHOLDS their
// midpoints rounded to 12 significant bits; the code of x/s is the number of thresholds <= x/s, decided
// exactly by binary search (twin of LutCodec).

fn FMT_elem_value(code: u32) -> f32 {
  return FMT_LEVELS[code];
}

fn FMT_elem_encode(x: f32, s: f32) -> u32 {
  if (s == 0.0) { return FMT_ZERO_CODE; }
  let v = ftz(x);
  var lo = 0u;
  var hi = FMT_N_THRESHOLDS;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (cmp_scaled_signed(v, FMT_THRESHOLDS[mid], s) >= 0) { lo = mid + 1u; } else { hi = mid; }
  }
  return lo;
}
