// q4_0: d f16, qs[16]; value (q − 8)·d.
fn FMT_block_value(bb: u32, j: u32) -> f32 {
  return f32(i32(FMT_nibble32(bb + 2u, j)) - 8) * FMT_half(bb);
}

// As a signed integer times the block's factor (the integer path): q − 8, d.
fn FMT_block_int(bb: u32, j: u32) -> i32 {
  return i32(FMT_nibble32(bb + 2u, j)) - 8;
}
fn FMT_block_factor(bb: u32, j: u32) -> f32 {
  return FMT_half(bb);
}
