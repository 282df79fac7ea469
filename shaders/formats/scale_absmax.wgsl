// Scale rules of the group-scaled formats, decode side (twin of ScaledFormat.scaleValue/scaleBitsFor).
// FMT_SCALE_KIND: 0 = f32, 1 = f16 (absmax: s = max|x| * fl(1/vmax)), 2 = E8M0 (OCP MX: a biased power of
// two, 2^(floor(log2 max|x|) - emax_elem); 0 stands for an all-zero group).

fn FMT_scale_value(bits: u32) -> f32 {
  if (FMT_SCALE_KIND == 2u) { return select(ldexp(1.0, i32(bits) - 127), 0.0, bits == 0u); }
  if (FMT_SCALE_KIND == 1u) { return f16_bits_to_f32(bits); }
  return bitcast<f32>(bits);
}

fn FMT_scale(row: u32, g: u32) -> f32 {
  return FMT_scale_value(FMT_scale_field(row, g, FMT_SCALE_BITS));
}

// Stored scale bits for a group whose max |x| is m.
fn FMT_scale_bits_for(row: u32, m: f32) -> u32 {
  if (FMT_SCALE_KIND == 2u) {
    if (m < MIN_SCALE) { return 0u; }
    let e = i32((bitcast<u32>(m) >> 23u) & 0xffu) - 127 - (i32(FMT_EMAX_ELEM) - 64);
    return u32(clamp(e + 127, 0, 254));
  }
  let raw = flush_scale(m * FMT_INV_VMAX);
  if (FMT_SCALE_KIND == 1u) { return f32_to_f16_bits(raw); }
  return bitcast<u32>(raw);
}
