// Dense b-bit codes in u32 words, low bits first; a code may straddle two words.
// `lo` is the word holding the code's first bit, `hi` the next word (read only when needed).
fn bits_mask(bits: u32) -> u32 {
  return select((1u << bits) - 1u, 0xffffffffu, bits >= 32u);
}

// Bit position -> (word offset, shift) helpers keep every format's readers identical.
fn bit_word(bit: u32) -> u32 { return bit >> 5u; }
fn bit_shift(bit: u32) -> u32 { return bit & 31u; }
fn straddles(bit: u32, bits: u32) -> bool { return (bit & 31u) + bits > 32u; }

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
