// Trellis-coded weights (twin of src/formats/trellis/format.ts and code.ts; docs/trellis.md): weight k of a
// row decodes from the L-bit window at bit (k / SEGMENT)·(SEGMENT·KBITS + L − KBITS) + (k % SEGMENT)·KBITS
// of its codes: value = fl(fl(code·STEP)·σ), code = the byte sum of a·s + b (mod 2^32) minus 510 (QTIP's
// 1MAD), σ the row's f32 scale. Integer code, two single-rounded multiplies: exact on every device.
#include "common/mad.wgsl"

fn FMT_sigma(row: u32) -> f32 {
  return bitcast<f32>(FMT_scales[FMT_meta.scales_base + row * FMT_meta.scales_stride]);
}

// The L-bit state of weight k (L ≤ 16: a window straddles at most two words).
fn FMT_state(row: u32, k: u32) -> u32 {
  let bit = (k / FMT_SEGMENT) * (FMT_SEGMENT * FMT_KBITS + FMT_L - FMT_KBITS) + (k % FMT_SEGMENT) * FMT_KBITS;
  let w = FMT_meta.codes_base + row * FMT_meta.codes_stride + (bit >> 5u);
  let sh = bit & 31u;
  var v = FMT_codes[w] >> sh;
  if (sh + FMT_L > 32u) { v |= FMT_codes[w + 1u] << (32u - sh); }
  return v & ((1u << FMT_L) - 1u);
}

// 1MAD: (sum of the bytes of 34038481·s + 76625530 mod 2^32) − 510.
fn FMT_code_of(s: u32) -> f32 {
  return f32(i32(mad_byte_sum(s)) - 510);
}

fn FMT_decode(row: u32, k: u32) -> f32 {
  return ftz(FMT_code_of(FMT_state(row, k)) * FMT_STEP * FMT_sigma(row));
}

// ---- Eight entries at a time (k a multiple of 8: the eight windows lie in one segment) ----
// The windows of entries k..k+7 span 7·KBITS + L ≤ 76 bits from the first one's bit. Those bits are read
// once and aligned to the first window (a0: its low 32, a1: the next 32, each word read once); window i
// then sits at the constant offset i·KBITS, so taking it is a shift and a mask once the compiler has
// folded FMT_window's branches for that constant (docs/trellis.md §5).
const FMT_SPAN = 7u * FMT_KBITS + FMT_L;

// Bits [off, off + L) of the 64-bit a1:a0 (off < 32, or off ≥ 32 and off + L ≤ 64; constant per call).
fn FMT_window(a0: u32, a1: u32, off: u32) -> u32 {
  return bits64_window(a0, a1, off, FMT_L);
}

// 1MAD on four states, as the byte sum without its − 510 (an integer in [0, 1020]): the four bytes
// added as two 16-bit pairs, then the pairs.
fn FMT_mad4(s: vec4<u32>) -> vec4<f32> {
  let x = s * MAD_A + MAD_B;
  let y = (x & vec4<u32>(0x00ff00ffu)) + ((x >> vec4<u32>(8u)) & vec4<u32>(0x00ff00ffu));
  return vec4<f32>(bitcast<vec4<i32>>((y & vec4<u32>(0xffffu)) + (y >> vec4<u32>(16u))));
}

// Byte sums (code + 510) of entries k..k+7.
fn FMT_sums8(row: u32, k: u32) -> Vals8 {
  let bit = (k / FMT_SEGMENT) * (FMT_SEGMENT * FMT_KBITS + FMT_L - FMT_KBITS) + (k % FMT_SEGMENT) * FMT_KBITS;
  let w = FMT_meta.codes_base + row * FMT_meta.codes_stride + (bit >> 5u);
  let sh = bit & 31u;
  let w1 = FMT_codes[w + 1u];
  // (w1 << 1) << (31 − sh) is w1 << (32 − sh) without a shift by 32 when sh = 0
  let a0 = (FMT_codes[w] >> sh) | ((w1 << 1u) << (31u - sh));
  var a1 = w1 >> sh;
  if (FMT_SPAN > 32u) { a1 |= (FMT_codes[w + 2u] << 1u) << (31u - sh); }
  let lo = vec4<u32>(
    FMT_window(a0, a1, 0u),
    FMT_window(a0, a1, FMT_KBITS),
    FMT_window(a0, a1, 2u * FMT_KBITS),
    FMT_window(a0, a1, 3u * FMT_KBITS),
  );
  let hi = vec4<u32>(
    FMT_window(a0, a1, 4u * FMT_KBITS),
    FMT_window(a0, a1, 5u * FMT_KBITS),
    FMT_window(a0, a1, 6u * FMT_KBITS),
    FMT_window(a0, a1, 7u * FMT_KBITS),
  );
  return Vals8(FMT_mad4(lo), FMT_mad4(hi));
}

// Entries k..k+7, exactly as FMT_decode returns them.
fn FMT_decode8(row: u32, k: u32) -> Vals8 {
  let sigma = FMT_sigma(row);
  let c = FMT_sums8(row, k);
  let lo = (c.lo - 510.0) * FMT_STEP * sigma;
  let hi = (c.hi - 510.0) * FMT_STEP * sigma;
  return Vals8(ftz4(lo), ftz4(hi));
}

// The affine-block contract (WgslSpec.affineBlocks; matmul/gemv_affine.wgsl): entry i is
// (STEP·σ)·(sum_i − 510), one "group" per row, the sums read in place (unit 1).
fn FMT_affine_units() -> Vals8 {
  return Vals8(vec4<f32>(1.0), vec4<f32>(1.0));
}

fn FMT_affine_codes8(row: u32, k: u32) -> Vals8 {
  return FMT_sums8(row, k);
}

fn FMT_affine_group(row: u32, k: u32) -> vec2<f32> {
  return vec2<f32>(FMT_STEP * FMT_sigma(row), 510.0);
}
