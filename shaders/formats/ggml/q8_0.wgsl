// q8_0: d f16, qs int8[32]; value q·d.
fn FMT_block_value(bb: u32, j: u32) -> f32 {
  return f32(FMT_i8(bb + 2u + j)) * FMT_half(bb);
}

// As a signed integer times the block's factor (the integer path): q, d.
fn FMT_block_int(bb: u32, j: u32) -> i32 {
  return FMT_i8(bb + 2u + j);
}
fn FMT_block_factor(bb: u32, j: u32) -> f32 {
  return FMT_half(bb);
}
