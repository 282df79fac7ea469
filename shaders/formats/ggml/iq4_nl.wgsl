// iq4_nl: d f16, qs[16] (4-bit indices into the IQ4 levels); value d·level.
// Element j is FMT_block_factor(bb, j) · FMT_block_int(bb, j) (formats/ggml_int.wgsl).
fn FMT_block_int(bb: u32, j: u32) -> i32 {
  return i32(FMT_iq4_level(FMT_nibble32(bb + 2u, j)));
}
fn FMT_block_factor(bb: u32, j: u32) -> f32 {
  return FMT_half(bb);
}
