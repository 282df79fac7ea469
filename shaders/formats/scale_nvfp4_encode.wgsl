// NVFP4 tensor scale S = amax_tensor * fl(1/2688) (2688 = 448 * 6), written into every row's aux word.
fn FMT_encode_aux_word(row: u32, word: u32) -> u32 {
  return bitcast<u32>(flush_scale(tensor_amax() * FMT_INV_TENSOR));
}
