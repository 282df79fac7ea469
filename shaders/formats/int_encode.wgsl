// Encoder half of the INT format (twin of IntFormat.encode); composed after formats/int.wgsl when an
// operand is being written. Calls src_value(row, k) from the quantize template.

// Three passes (scales, then zero points, then codes), each building whole words (the scale and code
// words through formats/group_words.wgsl).

// (lo, hi) of the group, both including 0 so the zero point fits in b bits.
fn FMT_group_range(row: u32, g: u32) -> vec2<f32> {
  let start = g * FMT_meta.group_size;
  let end = min(FMT_meta.k, start + FMT_meta.group_size);
  var lo = 0.0;
  var hi = 0.0;
  for (var k = start; k < end; k++) {
    let v = ftz(src_value(row, k));
    lo = min(lo, v);
    hi = max(hi, v);
  }
  return vec2<f32>(lo, hi);
}

fn FMT_group_scale_bits(row: u32, g: u32) -> u32 {
  let r = FMT_group_range(row, g);
  var range: f32;
  if (FMT_SYMMETRIC) { range = max(-r.x, r.y); } else { range = r.y - r.x; }
  let raw = flush_scale(range * FMT_INV_QMAX);
  if (FMT_SCALE_F16) { return f32_to_f16_bits(raw); }
  return bitcast<u32>(raw);
}

fn FMT_zero_point(row: u32, g: u32) -> u32 {
  let s = FMT_scale(row, g);
  if (s <= 0.0) { return 0u; }
  let lo = FMT_group_range(row, g).x;
  return u32(min(f32(FMT_QMAX), round_div_exact(-lo, s)));
}

fn FMT_encode_aux_word(row: u32, word: u32) -> u32 {
  var out = 0u;
  let g_first = (word * 32u) / FMT_BITS;
  let g_end = min(FMT_meta.groups, (word * 32u + 31u) / FMT_BITS + 1u);
  for (var g = g_first; g < g_end; g++) {
    out |= bits_in_word(FMT_zero_point(row, g), g * FMT_BITS, FMT_BITS, word);
  }
  return out;
}

fn FMT_encode_value(x: f32, s: f32, z: u32) -> u32 {
  let q = select(0.0, round_div_exact_signed(x, s), s > 0.0);
  if (FMT_SYMMETRIC) {
    let qmax = f32(FMT_QMAX);
    return u32(i32(clamp(q, -qmax, qmax)) + i32(1u << (FMT_BITS - 1u)));
  }
  return u32(clamp(q + f32(z), 0.0, f32(FMT_QMAX)));
}

// What coding an entry needs from its group: the stored scale and (asymmetric) the zero point.
struct FMT_GroupCode {
  s: f32,
  z: u32,
}

fn FMT_group_code(row: u32, g: u32) -> FMT_GroupCode {
  var z = 0u;
  if (!FMT_SYMMETRIC) { z = FMT_zero(row, g); }
  return FMT_GroupCode(FMT_scale(row, g), z);
}

fn FMT_code_of(x: f32, group: FMT_GroupCode) -> u32 {
  return FMT_encode_value(ftz(x), group.s, group.z);
}
