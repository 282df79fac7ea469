// q6_K: ql[128], qh[64], scales int8[16], d f16; halves of 128 in quarters of 32, 4 bits from ql and 2
// from qh: value d·sc·(q − 32).
// Element j is FMT_block_factor(bb, j) · FMT_block_int(bb, j) (formats/ggml_int.wgsl).
fn FMT_block_int(bb: u32, j: u32) -> i32 {
  let n = j >> 7u;
  let quarter = (j >> 5u) & 3u;
  let l = j & 31u;
  let lo = (FMT_u8(bb + 64u * n + l + 32u * (quarter & 1u)) >> (4u * (quarter >> 1u))) & 15u;
  let hi = (FMT_u8(bb + 128u + 32u * n + l) >> (2u * quarter)) & 3u;
  return i32(lo | (hi << 4u)) - 32;
}
fn FMT_block_factor(bb: u32, j: u32) -> f32 {
  let sc = FMT_i8(bb + 192u + 8u * (j >> 7u) + ((j & 31u) >> 4u) + 2u * ((j >> 5u) & 3u));
  return FMT_half(bb + 208u) * f32(sc);
}
