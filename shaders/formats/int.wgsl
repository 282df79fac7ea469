// INT absmax (symmetric) / min-max (asymmetric) groups along K. Twin of src/formats/int.ts.
// Composed after formats/streams.wgsl; the host supplies FMT_BITS, FMT_SYMMETRIC, FMT_SCALE_F16,
// FMT_QMAX and FMT_INV_QMAX. The encoder half is formats/int_encode.wgsl.

fn FMT_scale(row: u32, g: u32) -> f32 {
  if (FMT_SCALE_F16) { return f16_bits_to_f32(FMT_scale_field(row, g, 16u)); }
  return bitcast<f32>(FMT_scale_field(row, g, 32u));
}

fn FMT_zero(row: u32, g: u32) -> u32 {
  return FMT_aux_field(row, g, FMT_BITS);
}

// Value of entry (row, k): s * (code - offset) with offset 2^(b-1) (symmetric) or the zero point.
fn FMT_decode(row: u32, k: u32) -> f32 {
  let g = k / FMT_meta.group_size;
  let c = i32(FMT_code(row, k));
  var offset: i32;
  if (FMT_SYMMETRIC) { offset = i32(1u << (FMT_BITS - 1u)); } else { offset = i32(FMT_zero(row, g)); }
  return ftz(FMT_scale(row, g) * f32(c - offset));
}
