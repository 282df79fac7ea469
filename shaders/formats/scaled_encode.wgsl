// Encoder half of the group-scaled formats (twin of ScaledFormat.encode): scale words from each group's
// statistics (the scale rule's FMT_group_scale_bits), then codes against each group's stored scale, both
// through formats/group_words.wgsl. The aux word comes from the scale rule's encode part.

fn FMT_group_max(row: u32, g: u32) -> f32 {
  let start = g * FMT_meta.group_size;
  let end = min(FMT_meta.k, start + FMT_meta.group_size);
  var m = 0.0;
  for (var k = start; k < end; k++) { m = max(m, abs(ftz(src_value(row, k)))); }
  return m;
}

// What coding an entry needs from its group: the stored scale.
struct FMT_GroupCode {
  s: f32,
}

fn FMT_group_code(row: u32, g: u32) -> FMT_GroupCode {
  return FMT_GroupCode(FMT_scale(row, g));
}

fn FMT_code_of(x: f32, group: FMT_GroupCode) -> u32 {
  return FMT_elem_encode(x, group.s);
}
