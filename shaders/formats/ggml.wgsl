// ggml's block types, read from the rows' ggml bytes in the codes stream (twin of
// src/formats/ggml/blocks.ts; docs/interop.md). Host constants: FMT_BLOCK (elements per block),
// FMT_BLOCK_BYTES. Composed after formats/streams.wgsl and the type's own part, formats/ggml/<type>.wgsl,
// which defines FMT_block_value(bb, j): element j of the block at byte bb (one file per type, so a
// kernel compiles only its type's decoder; the integer-block types define it through
// formats/ggml_int.wgsl).
//
// Bit-exact on any GPU: every product in the type files is exact in f32 (an f16 scale has 11 significant
// bits, a sub-scale at most 7, a level at most 7: at most 24 bits together), so whether a compiler fuses
// a product into the following add (FMA) or not, the one rounding left is that add's, as in ggml's C.

// The 16 levels of IQ4_NL / IQ4_XS.
fn FMT_iq4_level(i: u32) -> f32 {
  return array<f32, 16>(-127.0, -104.0, -83.0, -65.0, -49.0, -35.0, -22.0, -10.0, 1.0, 13.0, 25.0, 38.0, 53.0, 69.0,
    89.0, 113.0)[i];
}

// Byte b of the bound window's codes (b counted from the window's start).
fn FMT_u8(b: u32) -> u32 {
  return (FMT_codes[FMT_meta.codes_base + (b >> 2u)] >> (8u * (b & 3u))) & 0xffu;
}

// The u16 at an even byte offset (never straddles a word).
fn FMT_u16(b: u32) -> u32 {
  return (FMT_codes[FMT_meta.codes_base + (b >> 2u)] >> (8u * (b & 2u))) & 0xffffu;
}

fn FMT_half(b: u32) -> f32 {
  return f16_bits_to_f32(FMT_u16(b));
}

fn FMT_i8(b: u32) -> i32 {
  return bitcast<i32>(FMT_u8(b) << 24u) >> 24u;
}

// Nibble j of a 32-element block's 16 bytes at q: element j < 16 is the low nibble of byte j, j + 16
// the high nibble of byte j.
fn FMT_nibble32(q: u32, j: u32) -> u32 {
  return (FMT_u8(q + (j & 15u)) >> (4u * (j >> 4u))) & 15u;
}

// Scale and min `s` (0…7) of Q4_K / Q5_K's 12 packed bytes at p.
fn FMT_scale_min_k4(p: u32, s: u32) -> vec2<f32> {
  if (s < 4u) { return vec2<f32>(f32(FMT_u8(p + s) & 63u), f32(FMT_u8(p + s + 4u) & 63u)); }
  let sc = (FMT_u8(p + s + 4u) & 15u) | ((FMT_u8(p + s - 4u) >> 6u) << 4u);
  let m = (FMT_u8(p + s + 4u) >> 4u) | ((FMT_u8(p + s) >> 6u) << 4u);
  return vec2<f32>(f32(sc), f32(m));
}

// Value of entry (row, k) of the bound window.
fn FMT_decode(row: u32, k: u32) -> f32 {
  let b = k / FMT_BLOCK; // ('block' is reserved in WGSL)
  return FMT_block_value(4u * row * FMT_meta.codes_stride + b * FMT_BLOCK_BYTES, k % FMT_BLOCK);
}

// Entries k..k+7 (k a multiple of 8; every block size is a multiple of 8, so they share one block).
fn FMT_decode8(row: u32, k: u32) -> Vals8 {
  let bb = 4u * row * FMT_meta.codes_stride + (k / FMT_BLOCK) * FMT_BLOCK_BYTES;
  let j = k % FMT_BLOCK;
  var v: array<f32, 8>;
  for (var i = 0u; i < 8u; i++) { v[i] = FMT_block_value(bb, j + i); }
  return vals8(v);
}
