// The three u32 streams of a quantized operand (codes, scales, aux; K contiguous, rows word-aligned)
// and readers of the dense bit fields in them. Part of every stream-based format (FMT_ = operand prefix).
#include "common/block8.wgsl"

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
  inv_k: f32, // fl(1/k), for per-row statistics
  row0: u32, // the window's first row in the whole matrix (the universal scheme's dither key)
}
@group(0) @binding(AUTO) var<uniform> FMT_meta: FMT_Meta;
@group(0) @binding(AUTO) var<storage, FMT_ACCESS> FMT_codes: array<u32>;
@group(0) @binding(AUTO) var<storage, FMT_ACCESS> FMT_scales: array<u32>;
@group(0) @binding(AUTO) var<storage, FMT_ACCESS> FMT_aux: array<u32>;

// Code of entry k (FMT_BITS wide) in row `row` of the bound window.
fn FMT_code(row: u32, k: u32) -> u32 {
  let bit = k * FMT_BITS;
  let w = FMT_meta.codes_base + row * FMT_meta.codes_stride + bit_word(bit);
  var v = FMT_codes[w] >> bit_shift(bit);
  if (straddles(bit, FMT_BITS)) { v |= FMT_codes[w + 1u] << (32u - bit_shift(bit)); }
  return v & bits_mask(FMT_BITS);
}

// Field i (`bits` wide, bits divides 32 or not) of the scales stream of `row`.
fn FMT_scale_field(row: u32, i: u32, bits: u32) -> u32 {
  let bit = i * bits;
  let w = FMT_meta.scales_base + row * FMT_meta.scales_stride + bit_word(bit);
  var v = FMT_scales[w] >> bit_shift(bit);
  if (straddles(bit, bits)) { v |= FMT_scales[w + 1u] << (32u - bit_shift(bit)); }
  return v & bits_mask(bits);
}

// Field i (`bits` wide) of the aux stream of `row`.
fn FMT_aux_field(row: u32, i: u32, bits: u32) -> u32 {
  let bit = i * bits;
  let w = FMT_meta.aux_base + row * FMT_meta.aux_stride + bit_word(bit);
  var v = FMT_aux[w] >> bit_shift(bit);
  if (straddles(bit, bits)) { v |= FMT_aux[w + 1u] << (32u - bit_shift(bit)); }
  return v & bits_mask(bits);
}

// Codes of entries k..k+7 (k a multiple of 8): eight fields of FMT_BITS ≤ 8 starting at bit k·FMT_BITS.
// For every width the formats use (2..8), those 8·FMT_BITS bits lie within two words.
fn FMT_codes8(row: u32, k: u32) -> array<u32, 8> {
  let bit = k * FMT_BITS;
  let w = FMT_meta.codes_base + row * FMT_meta.codes_stride + bit_word(bit);
  let sh = bit_shift(bit);
  let lo = FMT_codes[w];
  var hi = 0u;
  if (sh + 8u * FMT_BITS > 32u) { hi = FMT_codes[w + 1u]; }
  var c: array<u32, 8>;
  for (var i = 0u; i < 8u; i++) {
    let s = sh + i * FMT_BITS;
    var v = lo >> (s & 31u);
    if (s >= 32u) { v = hi >> (s - 32u); } else if (s > 0u) { v |= hi << (32u - s); }
    c[i] = v & bits_mask(FMT_BITS);
  }
  return c;
}

// True when entries k..k+7 share one scale group (every group size a multiple of 8, or one group a row).
fn FMT_one_group8() -> bool {
  return FMT_meta.group_size % 8u == 0u || FMT_meta.groups == 1u;
}
