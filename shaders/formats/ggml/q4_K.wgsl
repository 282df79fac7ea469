// q4_K: d f16, dmin f16, scales[12] (8 6-bit scales and mins), qs[128]; chunks of 64 elements in 32
// bytes (low nibbles, then high): value d·sc·q − dmin·m.
fn FMT_block_value(bb: u32, j: u32) -> f32 {
  let c = j >> 6u;
  let hi = (j >> 5u) & 1u;
  let sm = FMT_scale_min_k4(bb + 4u, 2u * c + hi);
  let q = (FMT_u8(bb + 16u + 32u * c + (j & 31u)) >> (4u * hi)) & 15u;
  return (FMT_half(bb) * sm.x) * f32(q) - FMT_half(bb + 2u) * sm.y;
}
