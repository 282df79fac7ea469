// Absmax and MX scales carry no side information beyond the scales stream.
fn FMT_encode_aux_word(row: u32, word: u32) -> u32 {
  return 0u;
}
