// INT absmax (symmetric) / min-max (asymmetric) groups along K. Twin of src/formats/int.ts.
// Instantiated once per operand: FMT_ is replaced by the operand's prefix and the host supplies
// FMT_BITS, FMT_SYMMETRIC, FMT_SCALE_F16, FMT_QMAX, FMT_INV_QMAX and FMT_ACCESS.
// Decode needs only the streams; the encoders also call src_value(row, k) from the quantize template.

struct FMT_Meta {
  k: u32,
  group_size: u32,
  groups: u32,
  codes_stride: u32,
  scales_stride: u32,
  aux_stride: u32,
  codes_base: u32,
  scales_base: u32,
  aux_base: u32,
}
@group(0) @binding(AUTO) var<uniform> FMT_meta: FMT_Meta;
@group(0) @binding(AUTO) var<storage, FMT_ACCESS> FMT_codes: array<u32>;
@group(0) @binding(AUTO) var<storage, FMT_ACCESS> FMT_scales: array<u32>;
@group(0) @binding(AUTO) var<storage, FMT_ACCESS> FMT_aux: array<u32>;

fn FMT_code(row: u32, k: u32) -> u32 {
  let bit = k * FMT_BITS;
  let w = FMT_meta.codes_base + row * FMT_meta.codes_stride + bit_word(bit);
  var v = FMT_codes[w] >> bit_shift(bit);
  if (straddles(bit, FMT_BITS)) { v |= FMT_codes[w + 1u] << (32u - bit_shift(bit)); }
  return v & bits_mask(FMT_BITS);
}

fn FMT_scale(row: u32, g: u32) -> f32 {
  let base = FMT_meta.scales_base + row * FMT_meta.scales_stride;
  if (FMT_SCALE_F16) {
    let word = FMT_scales[base + (g >> 1u)];
    return f16_bits_to_f32((word >> ((g & 1u) * 16u)) & 0xffffu);
  }
  return bitcast<f32>(FMT_scales[base + g]);
}

fn FMT_zero(row: u32, g: u32) -> u32 {
  let bit = g * FMT_BITS;
  let w = FMT_meta.aux_base + row * FMT_meta.aux_stride + bit_word(bit);
  var v = FMT_aux[w] >> bit_shift(bit);
  if (straddles(bit, FMT_BITS)) { v |= FMT_aux[w + 1u] << (32u - bit_shift(bit)); }
  return v & bits_mask(FMT_BITS);
}

// Value of entry (row, k): s * (code - offset) with offset 2^(b-1) (symmetric) or the zero point.
fn FMT_decode(row: u32, k: u32) -> f32 {
  let g = k / FMT_meta.group_size;
  let c = i32(FMT_code(row, k));
  var offset: i32;
  if (FMT_SYMMETRIC) { offset = i32(1u << (FMT_BITS - 1u)); } else { offset = i32(FMT_zero(row, g)); }
  return ftz(FMT_scale(row, g) * f32(c - offset));
}
