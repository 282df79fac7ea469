// q3_K: hmask[32], qs[64], scales[12] (16 6-bit scales, bias 32), d f16. Laid out as q2_K; a clear
// high bit (hmask) subtracts 4: value d·(s − 32)·(q − 4·!h).
// Element j is FMT_block_factor(bb, j) · FMT_block_int(bb, j) (formats/ggml_int.wgsl).
fn FMT_block_int(bb: u32, j: u32) -> i32 {
  let half = j >> 7u;
  let plane = (j >> 5u) & 3u;
  let part = (j >> 4u) & 1u;
  let l = j & 15u;
  let q = (FMT_u8(bb + 32u + 32u * half + 16u * part + l) >> (2u * plane)) & 3u;
  let high = (FMT_u8(bb + 16u * part + l) >> (4u * half + plane)) & 1u;
  return i32(q) - select(4, 0, high == 1u);
}
fn FMT_block_factor(bb: u32, j: u32) -> f32 {
  let is = 8u * (j >> 7u) + 2u * ((j >> 5u) & 3u) + ((j >> 4u) & 1u);
  let low = (FMT_u8(bb + 96u + (is & 7u)) >> (4u * (is >> 3u))) & 15u;
  let top = (FMT_u8(bb + 104u + (is & 3u)) >> (2u * (is >> 2u))) & 3u;
  return FMT_half(bb + 108u) * f32(i32(low | (top << 4u)) - 32);
}
