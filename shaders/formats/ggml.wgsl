// ggml's block types, read from the rows' ggml bytes in the codes stream (twin of
// src/formats/ggml/blocks.ts; docs/interop.md). Host constants: FMT_TYPE (ggml's type id), FMT_BLOCK
// (elements per block), FMT_BLOCK_BYTES. Composed after formats/streams.wgsl.
//
// Bit-exact on any GPU: every product below is exact in f32 (an f16 scale has 11 significant bits, a
// sub-scale at most 7, a level at most 7: at most 24 bits together), so whether a compiler fuses a
// product into the following add (FMA) or not, the one rounding left is that add's, as in ggml's C.

const FMT_IQ4_LEVELS = array<f32, 16>(-127.0, -104.0, -83.0, -65.0, -49.0, -35.0, -22.0, -10.0, 1.0, 13.0, 25.0,
  38.0, 53.0, 69.0, 89.0, 113.0);

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

// Element j of the block starting at byte bb.
fn FMT_block_value(bb: u32, j: u32) -> f32 {
  switch (FMT_TYPE) {
    case 2u: { // q4_0: (q − 8)·d
      return f32(i32(FMT_nibble32(bb + 2u, j)) - 8) * FMT_half(bb);
    }
    case 3u: { // q4_1: q·d + m
      return f32(FMT_nibble32(bb + 4u, j)) * FMT_half(bb) + FMT_half(bb + 2u);
    }
    case 6u: { // q5_0: (q − 16)·d, the fifth bit of element j is bit j of the u32 at bb + 2
      let qh = FMT_u16(bb + 2u) | (FMT_u16(bb + 4u) << 16u);
      let q = FMT_nibble32(bb + 6u, j) | (((qh >> j) & 1u) << 4u);
      return f32(i32(q) - 16) * FMT_half(bb);
    }
    case 8u: { // q8_0: q·d
      return f32(FMT_i8(bb + 2u + j)) * FMT_half(bb);
    }
    case 10u, 11u: { // q2_K, q3_K: halves of 128, 2-bit planes by shift, parts of 16
      let half = j >> 7u;
      let plane = (j >> 5u) & 3u;
      let part = (j >> 4u) & 1u;
      let l = j & 15u;
      let is = 8u * half + 2u * plane + part;
      if (FMT_TYPE == 10u) {
        let q = (FMT_u8(bb + 16u + 32u * half + 16u * part + l) >> (2u * plane)) & 3u;
        let sc = FMT_u8(bb + is);
        let dl = FMT_half(bb + 80u) * f32(sc & 15u);
        return dl * f32(q) - FMT_half(bb + 82u) * f32(sc >> 4u);
      }
      let q = (FMT_u8(bb + 32u + 32u * half + 16u * part + l) >> (2u * plane)) & 3u;
      let high = (FMT_u8(bb + 16u * part + l) >> (4u * half + plane)) & 1u;
      let low = (FMT_u8(bb + 96u + (is & 7u)) >> (4u * (is >> 3u))) & 15u;
      let top = (FMT_u8(bb + 104u + (is & 3u)) >> (2u * (is >> 2u))) & 3u;
      let sc = i32(low | (top << 4u)) - 32;
      return (FMT_half(bb + 108u) * f32(sc)) * f32(i32(q) - select(4, 0, high == 1u));
    }
    case 12u, 13u: { // q4_K, q5_K: chunks of 64 (32 bytes: low nibbles, then high), 6-bit scales and mins
      let c = j >> 6u;
      let hi = (j >> 5u) & 1u;
      let l = j & 31u;
      let sm = FMT_scale_min_k4(bb + 4u, 2u * c + hi);
      var q: u32;
      if (FMT_TYPE == 12u) {
        q = (FMT_u8(bb + 16u + 32u * c + l) >> (4u * hi)) & 15u;
      } else {
        q = (FMT_u8(bb + 48u + 32u * c + l) >> (4u * hi)) & 15u;
        q += 16u * ((FMT_u8(bb + 16u + l) >> (2u * c + hi)) & 1u);
      }
      return (FMT_half(bb) * sm.x) * f32(q) - FMT_half(bb + 2u) * sm.y;
    }
    case 14u: { // q6_K: halves of 128 in quarters of 32; 4 bits from ql, 2 from qh, int8 scales per 16
      let n = j >> 7u;
      let quarter = (j >> 5u) & 3u;
      let l = j & 31u;
      let lo = (FMT_u8(bb + 64u * n + l + 32u * (quarter & 1u)) >> (4u * (quarter >> 1u))) & 15u;
      let hi = (FMT_u8(bb + 128u + 32u * n + l) >> (2u * quarter)) & 3u;
      let sc = FMT_i8(bb + 192u + 8u * n + (l >> 4u) + 2u * quarter);
      return (FMT_half(bb + 208u) * f32(sc)) * f32(i32(lo | (hi << 4u)) - 32);
    }
    case 20u: { // iq4_nl: d·level
      return FMT_half(bb) * FMT_IQ4_LEVELS[FMT_nibble32(bb + 2u, j)];
    }
    case 23u: { // iq4_xs: d·(ls − 32)·level, 6-bit ls per 32 (4 bits in scales_l, 2 in scales_h)
      let ib = j >> 5u;
      let ls = ((FMT_u8(bb + 4u + (ib >> 1u)) >> (4u * (ib & 1u))) & 15u) | (((FMT_u16(bb + 2u) >> (2u * ib)) & 3u) << 4u);
      let dl = FMT_half(bb) * f32(i32(ls) - 32);
      return dl * FMT_IQ4_LEVELS[FMT_nibble32(bb + 8u + 16u * ib, j & 31u)];
    }
    default: {
      return 0.0;
    }
  }
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
