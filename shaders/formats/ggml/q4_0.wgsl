// q4_0: d f16, qs[16]; value (q − 8)·d.
fn FMT_block_value(bb: u32, j: u32) -> f32 {
  return f32(i32(FMT_nibble32(bb + 2u, j)) - 8) * FMT_half(bb);
}
