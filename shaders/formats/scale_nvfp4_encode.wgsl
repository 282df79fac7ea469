// NVFP4 tensor scale S = amax_tensor * fl(1/2688) (2688 = 448 * 6), written into every row's aux word.
fn FMT_encode_aux_word(row: u32, word: u32) -> u32 {
  return bitcast<u32>(flush_scale(tensor_amax() * FMT_INV_TENSOR));
}

fn FMT_group_scale_bits(row: u32, g: u32) -> u32 {
  return FMT_scale_bits_for(row, FMT_group_max(row, g));
}
