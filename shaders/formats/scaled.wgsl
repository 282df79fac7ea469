// Group-scaled scalar formats (FP-absmax, OCP MX, NF4, NVFP4): value = s * FMT_elem_value(code).
// Twin of src/formats/scaled.ts. Composed after formats/streams.wgsl, the element codec snippet and a
// scale-rule snippet (scale_absmax.wgsl or scale_nvfp4.wgsl) that defines FMT_scale(row, g).

fn FMT_decode(row: u32, k: u32) -> f32 {
  let g = k / FMT_meta.group_size;
  return ftz(FMT_scale(row, g) * FMT_elem_value(FMT_code(row, k)));
}
