// INT absmax (symmetric) / min-max (asymmetric) groups along K. Twin of src/formats/int.ts.
// Composed after formats/streams.wgsl; the host supplies FMT_BITS, FMT_SYMMETRIC, FMT_SCALE_F16,
// FMT_QMAX and FMT_INV_QMAX. The encoder half is formats/int_encode.wgsl.

fn FMT_scale(row: u32, g: u32) -> f32 {
  // 16- and 32-bit fields never straddle words: read them directly (no conditional second load)
  let w = FMT_meta.scales_base + row * FMT_meta.scales_stride;
  if (FMT_SCALE_F16) { return f16_bits_to_f32((FMT_scales[w + g / 2u] >> (16u * (g & 1u))) & 0xffffu); }
  return bitcast<f32>(FMT_scales[w + g]);
}

fn FMT_zero(row: u32, g: u32) -> u32 {
  return FMT_aux_field(row, g, FMT_BITS);
}

// Value of entry (row, k): s * (code - offset) with offset 2^(b-1) (symmetric) or the zero point.
fn FMT_decode(row: u32, k: u32) -> f32 {
  let g = FMT_group_of(k);
  let c = i32(FMT_code(row, k));
  var offset: i32;
  if (FMT_SYMMETRIC) { offset = i32(1u << (FMT_BITS - 1u)); } else { offset = i32(FMT_zero(row, g)); }
  return ftz(FMT_scale(row, g) * f32(c - offset));
}

fn FMT_offset(row: u32, g: u32) -> i32 {
  if (FMT_SYMMETRIC) { return i32(1u << (FMT_BITS - 1u)); }
  return i32(FMT_zero(row, g));
}

// Entries k..k+7 (k a multiple of 8), each exactly as FMT_decode gives it.
fn FMT_decode8(row: u32, k: u32) -> Vals8 {
  if ((FMT_BITS == 2u || FMT_BITS == 4u || FMT_BITS == 8u) && FMT_one_group8()) {
    // Widths that divide 32: the 8 codes sit in one or two aligned words; unpack them as vectors.
    let g = FMT_group_of(k);
    let s = FMT_scale(row, g);
    let off = vec4<i32>(FMT_offset(row, g));
    let w = FMT_meta.codes_base + row * FMT_meta.codes_stride + (k * FMT_BITS) / 32u;
    let m = vec4<u32>(bits_mask(FMT_BITS));
    let sh = vec4<u32>(0u, 1u, 2u, 3u) * FMT_BITS;
    let a = FMT_codes[w] >> ((k * FMT_BITS) & 31u); // 2-bit codes: 16 bits, at bit 0 or 16
    let lo = (vec4<u32>(a) >> sh) & m;
    var hi: vec4<u32>;
    if (FMT_BITS == 8u) { hi = (vec4<u32>(FMT_codes[w + 1u]) >> sh) & m; } else { hi = (vec4<u32>(a) >> (sh + vec4<u32>(4u * FMT_BITS))) & m; }
    // s ≥ 2^-64 or 0 and |code − offset| ≥ 1 or 0: the product is never subnormal, so no ftz.
    return Vals8(s * vec4<f32>(vec4<i32>(lo) - off), s * vec4<f32>(vec4<i32>(hi) - off));
  }
  let c = FMT_codes8(row, k);
  var v: array<f32, 8>;
  if (FMT_one_group8()) {
    let g = FMT_group_of(k);
    let s = FMT_scale(row, g);
    let off = FMT_offset(row, g);
    for (var i = 0u; i < 8u; i++) { v[i] = ftz(s * f32(i32(c[i]) - off)); }
  } else {
    for (var i = 0u; i < 8u; i++) {
      let g = FMT_group_of(k + i);
      v[i] = ftz(FMT_scale(row, g) * f32(i32(c[i]) - FMT_offset(row, g)));
    }
  }
  return vals8(v);
}

// The affine-block contract (WgslSpec.affineBlocks; matmul/gemv_affine.wgsl): entries k..k+7 are
// scale·(code_i − offset), the scale and offset shared by the group of entry k.
// FMT_affine_codes8 gives the codes in place: c_i = code_i · 2^{e_i}, exactly, the powers of two in
// FMT_affine_units (code_i = c_i · unit_i). Reading a field where it sits in its word is one AND per
// entry; shifting it down first would be two operations, and on CPU-backed adapters, which run every
// operation of every lane, that difference is a quarter of the int4 GEMV (docs/kernels.md §6). The
// top field of a word is shifted once so no value reaches 2^31 (signed conversion, which x86 has;
// unsigned costs several instructions).
fn FMT_affine_units() -> Vals8 {
  // 2^−(bit position of field i), the positions FMT_affine_codes8 reads them at
  let one = vec4<f32>(1.0);
  if (FMT_BITS == 4u) {
    return Vals8(ldexp(one, vec4<i32>(0, -4, -8, -12)), ldexp(one, vec4<i32>(-16, -20, -24, -24)));
  }
  if (FMT_BITS == 8u) {
    let u = ldexp(one, vec4<i32>(0, -8, -16, -16));
    return Vals8(u, u);
  }
  if (FMT_BITS == 2u) {
    return Vals8(ldexp(one, vec4<i32>(0, -2, -4, -6)), ldexp(one, vec4<i32>(-8, -10, -12, -14)));
  }
  return Vals8(one, one);
}

fn FMT_affine_codes8(row: u32, k: u32) -> Vals8 {
  let w = FMT_meta.codes_base + row * FMT_meta.codes_stride + (k * FMT_BITS) / 32u;
  var lo: vec4<u32>;
  var hi: vec4<u32>;
  if (FMT_BITS == 4u) {
    let a = FMT_codes[w];
    lo = vec4<u32>(a) & vec4<u32>(0xfu, 0xf0u, 0xf00u, 0xf000u);
    hi = vec4<u32>(a, a, a, a >> 4u) & vec4<u32>(0xf0000u, 0xf00000u, 0xf000000u, 0xf000000u);
  } else if (FMT_BITS == 8u) {
    let a = FMT_codes[w];
    let b = FMT_codes[w + 1u];
    let m = vec4<u32>(0xffu, 0xff00u, 0xff0000u, 0xff0000u);
    lo = vec4<u32>(a, a, a, a >> 8u) & m;
    hi = vec4<u32>(b, b, b, b >> 8u) & m;
  } else if (FMT_BITS == 2u) {
    let a = FMT_codes[w] >> ((k * 2u) & 31u); // 16 bits, at bit 0 or 16
    lo = vec4<u32>(a) & vec4<u32>(0x3u, 0xcu, 0x30u, 0xc0u);
    hi = vec4<u32>(a) & vec4<u32>(0x300u, 0xc00u, 0x3000u, 0xc000u);
  } else {
    let c = FMT_codes8(row, k);
    lo = vec4<u32>(c[0], c[1], c[2], c[3]);
    hi = vec4<u32>(c[4], c[5], c[6], c[7]);
  }
  return Vals8(vec4<f32>(bitcast<vec4<i32>>(lo)), vec4<f32>(bitcast<vec4<i32>>(hi)));
}

// (scale, offset) of the group holding entry k.
fn FMT_affine_group(row: u32, k: u32) -> vec2<f32> {
  let g = FMT_group_of(k);
  return vec2<f32>(FMT_scale(row, g), f32(FMT_offset(row, g)));
}

// Codes minus their offset (2^(b−1), or the group's zero point) as signed bytes, and the group scale.
// Offered (WgslSpec.intBlocks) when entries k..k+7 share a group and code − offset fits a byte.
fn FMT_int8x8(row: u32, k: u32) -> Int8x8 {
  let g = FMT_group_of(k);
  let s = FMT_scale(row, g);
  let bit = k * FMT_BITS;
  let w = FMT_meta.codes_base + row * FMT_meta.codes_stride + bit_word(bit);
  if (FMT_BITS == 8u && FMT_SYMMETRIC) {
    // code − 128 as a byte is code ^ 0x80
    let lo = FMT_codes[w] ^ 0x80808080u;
    let hi = FMT_codes[w + 1u] ^ 0x80808080u;
    return Int8x8(lo, hi, s);
  }
  if (FMT_BITS == 4u && FMT_SYMMETRIC) {
    // Spread the 8 nibbles of the (aligned) word into bytes, then subtract 8 with sign extension:
    // t = (nibble − 8) mod 16, and bit 3 of t set means negative → fill the high nibble.
    let x = FMT_codes[w];
    let a = x & 0xffffu;
    let b = x >> 16u;
    let lo = (a & 0xfu) | ((a & 0xf0u) << 4u) | ((a & 0xf00u) << 8u) | ((a & 0xf000u) << 12u);
    let hi = (b & 0xfu) | ((b & 0xf0u) << 4u) | ((b & 0xf00u) << 8u) | ((b & 0xf000u) << 12u);
    let tl = lo ^ 0x08080808u;
    let th = hi ^ 0x08080808u;
    let bl = tl | ((tl & 0x08080808u) * 0x1eu);
    let bh = th | ((th & 0x08080808u) * 0x1eu);
    return Int8x8(bl, bh, s);
  }
  let c = FMT_codes8(row, k);
  var v: array<i32, 8>;
  let off = FMT_offset(row, g);
  for (var i = 0u; i < 8u; i++) { v[i] = i32(c[i]) - off; }
  let p = pack_i8x8(v);
  return Int8x8(p.x, p.y, s);
}
