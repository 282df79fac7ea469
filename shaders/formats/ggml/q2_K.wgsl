// q2_K: scales[16] (low nibble scale, high min), qs[64], d f16, dmin f16. Halves of 128 elements, four
// 2-bit planes by shift, parts of 16 with their own scale and min: value d·sc·q − dmin·m.
fn FMT_block_value(bb: u32, j: u32) -> f32 {
  let half = j >> 7u;
  let plane = (j >> 5u) & 3u;
  let part = (j >> 4u) & 1u;
  let q = (FMT_u8(bb + 16u + 32u * half + 16u * part + (j & 15u)) >> (2u * plane)) & 3u;
  let sc = FMT_u8(bb + 8u * half + 2u * plane + part);
  let dl = FMT_half(bb + 80u) * f32(sc & 15u);
  return dl * f32(q) - FMT_half(bb + 82u) * f32(sc >> 4u);
}
