// q4_1: d f16, m f16, qs[16]; value q·d + m.
fn FMT_block_value(bb: u32, j: u32) -> f32 {
  return f32(FMT_nibble32(bb + 4u, j)) * FMT_half(bb) + FMT_half(bb + 2u);
}
