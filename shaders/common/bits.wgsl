// Dense b-bit codes in u32 words, low bits first; a code may straddle two words.
// `lo` is the word holding the code's first bit, `hi` the next word (read only when needed).
fn bits_mask(bits: u32) -> u32 {
  return select((1u << bits) - 1u, 0xffffffffu, bits >= 32u);
}

// Bit position -> (word offset, shift) helpers keep every format's readers identical.
fn bit_word(bit: u32) -> u32 { return bit >> 5u; }
fn bit_shift(bit: u32) -> u32 { return bit & 31u; }
fn straddles(bit: u32, bits: u32) -> bool { return (bit & 31u) + bits > 32u; }

// Bits [at, at + width) of the 64-bit hi:lo (width < 32; at < 32, or at ≥ 32 and at + width ≤ 64). Callers
// pass constant offsets and widths where they can: the branches then fold away.
fn bits64_window(lo: u32, hi: u32, at: u32, width: u32) -> u32 {
  var v: u32;
  if (at >= 32u) {
    v = hi >> (at - 32u);
  } else if (at + width <= 32u) {
    v = lo >> at;
  } else {
    v = (lo >> at) | (hi << (32u - at));
  }
  return v & ((1u << width) - 1u);
}

// The part of a code of `bits` bits, starting at absolute bit `code_bit`, that lies in word `word`
// (0 if none): used by packers that build one output word at a time.
fn bits_in_word(code: u32, code_bit: u32, bits: u32, word: u32) -> u32 {
  let first = code_bit >> 5u;
  let last = (code_bit + bits - 1u) >> 5u;
  let sh = code_bit & 31u;
  if (word == first) { return code << sh; }
  if (word == last) { return code >> (32u - sh); }
  return 0u;
}

// Integer division without a division instruction: CPU-backed adapters (SwiftShader) have no vector
// integer divide and run one scalar divide per lane, which dominated the lattice decoders.
// floor(a / d) for 0 < d, |a| ≤ 2^20 + 2^10 and inv_d within one ulp of 1/d (a power of two, a
// const-expression, or a small quotient): the quotient of a + 0.5 is ≥ 0.5/d away from an integer and
// the f32 product is within 1.5·2^-23·|a|/d < 0.5/d of it, so the floor is exact.
fn floor_div_small(a: i32, inv_d: f32) -> i32 {
  return i32(floor((f32(a) + 0.5) * inv_d));
}

// (v / d, v % d) for 0 < d and v / d < 2^22: the f32 estimate is within one of the quotient, one
// correction step makes it exact.
fn div_mod_u32(v: u32, d: u32, inv_d: f32) -> vec2<u32> {
  var quo = u32(f32(v) * inv_d);
  var rem = i32(v - quo * d); // |rem| < 2d
  if (rem < 0) {
    quo -= 1u;
    rem += i32(d);
  } else if (u32(rem) >= d) {
    quo += 1u;
    rem -= i32(d);
  }
  return vec2<u32>(quo, u32(rem));
}
