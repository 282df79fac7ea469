// Absmax and MX scales carry no side information beyond the scales stream.
fn FMT_encode_aux_word(row: u32, word: u32) -> u32 {
  return 0u;
}

fn FMT_group_scale_bits(row: u32, g: u32) -> u32 {
  return FMT_scale_bits_for(row, FMT_group_max(row, g));
}
