// Group-scaled scalar formats (FP-absmax, OCP MX, NF4, NVFP4): value = s * FMT_elem_value(code).
// Twin of src/formats/scaled.ts. Composed after formats/streams.wgsl, the element codec snippet and a
// scale-rule snippet (scale_absmax.wgsl or scale_nvfp4.wgsl) that defines FMT_scale(row, g).

fn FMT_decode(row: u32, k: u32) -> f32 {
  let g = FMT_group_of(k);
  return ftz(FMT_scale(row, g) * FMT_elem_value(FMT_code(row, k)));
}

// Entries k..k+7 (k a multiple of 8), each exactly as FMT_decode gives it.
fn FMT_decode8(row: u32, k: u32) -> Vals8 {
  let c = FMT_codes8(row, k);
  var v: array<f32, 8>;
  if (FMT_one_group8()) {
    let s = FMT_scale(row, FMT_group_of(k));
    for (var i = 0u; i < 8u; i++) { v[i] = ftz(s * FMT_elem_value(c[i])); }
  } else {
    for (var i = 0u; i < 8u; i++) { v[i] = ftz(FMT_scale(row, FMT_group_of(k + i)) * FMT_elem_value(c[i])); }
  }
  return vals8(v);
}
