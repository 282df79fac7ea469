// q5_0: d f16, qh u32 (bit j: the fifth bit of element j), qs[16]; value (q − 16)·d.
// Element j is FMT_block_factor(bb, j) · FMT_block_int(bb, j) (formats/ggml_int.wgsl).
fn FMT_block_int(bb: u32, j: u32) -> i32 {
  let qh = FMT_u16(bb + 2u) | (FMT_u16(bb + 4u) << 16u);
  return i32(FMT_nibble32(bb + 6u, j) | (((qh >> j) & 1u) << 4u)) - 16;
}
fn FMT_block_factor(bb: u32, j: u32) -> f32 {
  return FMT_half(bb);
}
