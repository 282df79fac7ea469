// q4_0: d f16, qs[16]; value (q − 8)·d.
// Element j is FMT_block_factor(bb, j) · FMT_block_int(bb, j) (formats/ggml_int.wgsl).
fn FMT_block_int(bb: u32, j: u32) -> i32 {
  return i32(FMT_nibble32(bb + 2u, j)) - 8;
}
fn FMT_block_factor(bb: u32, j: u32) -> f32 {
  return FMT_half(bb);
}
