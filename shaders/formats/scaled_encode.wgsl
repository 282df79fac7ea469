// Encoder half of the group-scaled formats (twin of ScaledFormat.encode): scale words from each group's
// statistics (the scale rule's FMT_group_scale_bits), then codes against each group's stored scale. The
// aux word comes from the scale rule's encode part.

fn FMT_group_max(row: u32, g: u32) -> f32 {
  let start = g * FMT_meta.group_size;
  let end = min(FMT_meta.k, start + FMT_meta.group_size);
  var m = 0.0;
  for (var k = start; k < end; k++) { m = max(m, abs(ftz(src_value(row, k)))); }
  return m;
}

fn FMT_encode_scales_word(row: u32, word: u32) -> u32 {
  let per = 32u / FMT_SCALE_BITS;
  var out = 0u;
  for (var h = 0u; h < per; h++) {
    let g = word * per + h;
    if (g < FMT_meta.groups) { out |= FMT_group_scale_bits(row, g) << (h * FMT_SCALE_BITS); }
  }
  return out;
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
