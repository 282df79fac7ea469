// Encoder half of the group-scaled formats (twin of ScaledFormat.encode). Scales first (one word at a
// time, from each group's max |x|), then codes (each entry against its group's stored scale).

fn FMT_group_max(row: u32, g: u32) -> f32 {
  let start = g * FMT_meta.group_size;
  let end = min(FMT_meta.k, start + FMT_meta.group_size);
  var m = 0.0;
  for (var k = start; k < end; k++) { m = max(m, abs(ftz(src_value(row, k)))); }
  return m;
}

fn FMT_scale_bits_for(m: f32) -> u32 {
  if (FMT_SCALE_KIND == 2u) {
    if (m < MIN_SCALE) { return 0u; }
    let e = i32((bitcast<u32>(m) >> 23u) & 0xffu) - 127 - (i32(FMT_EMAX_ELEM) - 64);
    return u32(clamp(e + 127, 0, 254));
  }
  let raw = flush_scale(m * FMT_INV_VMAX);
  if (FMT_SCALE_KIND == 1u) { return f32_to_f16_bits(raw); }
  return bitcast<u32>(raw);
}

fn FMT_encode_scales_word(row: u32, word: u32) -> u32 {
  let per = 32u / FMT_SCALE_BITS;
  var out = 0u;
  for (var h = 0u; h < per; h++) {
    let g = word * per + h;
    if (g < FMT_meta.groups) { out |= FMT_scale_bits_for(FMT_group_max(row, g)) << (h * FMT_SCALE_BITS); }
  }
  return out;
}

// No side information beyond the scales.
fn FMT_encode_aux_word(row: u32, word: u32) -> u32 {
  return 0u;
}

fn FMT_encode_codes_word(row: u32, word: u32) -> u32 {
  let k_first = (word * 32u) / FMT_BITS;
  let k_end = min(FMT_meta.k, (word * 32u + 31u) / FMT_BITS + 1u);
  var out = 0u;
  var cached = 0xffffffffu;
  var s = 0.0;
  for (var k = k_first; k < k_end; k++) {
    let g = k / FMT_meta.group_size;
    if (g != cached) {
      cached = g;
      s = FMT_scale(row, g);
    }
    out |= bits_in_word(FMT_elem_encode(src_value(row, k), s), k * FMT_BITS, FMT_BITS, word);
  }
  return out;
}
