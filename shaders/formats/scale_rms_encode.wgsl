// Encoder of the per-row RMS scale rule (composed after formats/row_rms.wgsl): one group per row.
fn FMT_group_scale_bits(row: u32, g: u32) -> u32 {
  return FMT_row_rms_bits(row);
}

fn FMT_encode_aux_word(row: u32, word: u32) -> u32 {
  return 0u;
}
