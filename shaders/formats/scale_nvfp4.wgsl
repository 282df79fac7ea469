// NVFP4 two-level scale (twin of ScaledFormat with rule 'nvfp4'): an f32 tensor scale S, stored in
// each row's aux word, and per block an E4M3 code s_b (the sub-instance FMT_sc); the block's scale
// is fl(S * s_b). Block codes: s_b = E4M3(amax_b / fl(6 S)) (exact RNE, saturating), at least 2^-9.

fn FMT_tensor_scale(row: u32) -> f32 {
  return bitcast<f32>(FMT_aux_field(row, 0u, 32u));
}

fn FMT_scale(row: u32, g: u32) -> f32 {
  return flush_scale(FMT_tensor_scale(row) * FMT_sc_elem_value(FMT_scale_field(row, g, 8u)));
}

fn FMT_scale_bits_for(row: u32, m: f32) -> u32 {
  let t = FMT_tensor_scale(row);
  if (t == 0.0) { return 1u; }
  let code = FMT_sc_elem_encode(m, 6.0 * t);
  return select(code, 1u, code == 0u); // clamp below at 2^-9 (code 1)
}
