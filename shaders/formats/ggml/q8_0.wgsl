// q8_0: d f16, qs int8[32]; value q·d.
// Element j is FMT_block_factor(bb, j) · FMT_block_int(bb, j) (formats/ggml_int.wgsl).
fn FMT_block_int(bb: u32, j: u32) -> i32 {
  return FMT_i8(bb + 2u + j);
}
fn FMT_block_factor(bb: u32, j: u32) -> f32 {
  return FMT_half(bb);
}
