// Group-scaled scalar formats (FP-absmax, OCP MX, NF4...): value = s * FMT_elem_value(code).
// Twin of src/formats/scaled.ts. Composed after formats/streams.wgsl and the element codec snippet.
// FMT_SCALE_KIND: 0 = f32, 1 = f16, 2 = E8M0 (biased power of two; 0 stands for an all-zero group).

fn FMT_scale_value(bits: u32) -> f32 {
  if (FMT_SCALE_KIND == 2u) { return select(ldexp(1.0, i32(bits) - 127), 0.0, bits == 0u); }
  if (FMT_SCALE_KIND == 1u) { return f16_bits_to_f32(bits); }
  return bitcast<f32>(bits);
}

fn FMT_scale(row: u32, g: u32) -> f32 {
  return FMT_scale_value(FMT_scale_field(row, g, FMT_SCALE_BITS));
}

fn FMT_decode(row: u32, k: u32) -> f32 {
  let g = k / FMT_meta.group_size;
  return ftz(FMT_scale(row, g) * FMT_elem_value(FMT_code(row, k)));
}
