// iq4_xs: d f16, scales_h u16, scales_l[4], qs[128]; 6-bit scale ls per 32 (4 bits in scales_l, 2 in
// scales_h): value d·(ls − 32)·level.
// Element j is FMT_block_factor(bb, j) · FMT_block_int(bb, j) (formats/ggml_int.wgsl).
fn FMT_block_int(bb: u32, j: u32) -> i32 {
  return i32(FMT_iq4_level(FMT_nibble32(bb + 8u + 16u * (j >> 5u), j & 31u)));
}
fn FMT_block_factor(bb: u32, j: u32) -> f32 {
  let ib = j >> 5u;
  let ls = ((FMT_u8(bb + 4u + (ib >> 1u)) >> (4u * (ib & 1u))) & 15u) | (((FMT_u16(bb + 2u) >> (2u * ib)) & 3u) << 4u);
  return FMT_half(bb) * f32(i32(ls) - 32);
}
