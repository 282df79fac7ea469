// q5_K: d f16, dmin f16, scales[12], qh[32], qs[128]; q4_K with a fifth bit from qh.
fn FMT_block_value(bb: u32, j: u32) -> f32 {
  let c = j >> 6u;
  let hi = (j >> 5u) & 1u;
  let l = j & 31u;
  let sm = FMT_scale_min_k4(bb + 4u, 2u * c + hi);
  let q = ((FMT_u8(bb + 48u + 32u * c + l) >> (4u * hi)) & 15u) + 16u * ((FMT_u8(bb + 16u + l) >> (2u * c + hi)) & 1u);
  return (FMT_half(bb) * sm.x) * f32(q) - FMT_half(bb + 2u) * sm.y;
}
