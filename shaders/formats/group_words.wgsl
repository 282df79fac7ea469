// Word builders shared by the group-scaled encoders (INT, FP/MX/NVFP4/NF4, codebooks): one thread per
// output word, as shaders/quantize.wgsl dispatches them. The format's encoder provides
// FMT_group_scale_bits(row, g) (a group's stored scale, FMT_SCALE_BITS wide), FMT_GroupCode (what coding
// an entry needs from its group), FMT_group_code(row, g) and FMT_code_of(x, group) (an entry's code,
// FMT_BITS wide). Twin of formats/format.ts encodeGroups.

fn FMT_encode_scales_word(row: u32, word: u32) -> u32 {
  let per = 32u / FMT_SCALE_BITS;
  var out = 0u;
  for (var h = 0u; h < per; h++) {
    let g = word * per + h;
    if (g < FMT_meta.groups) { out |= FMT_group_scale_bits(row, g) << (h * FMT_SCALE_BITS); }
  }
  return out;
}

// Every entry whose bits touch the word, coded against its group (looked up once per group).
fn FMT_encode_codes_word(row: u32, word: u32) -> u32 {
  let k_first = (word * 32u) / FMT_BITS;
  let k_end = min(FMT_meta.k, (word * 32u + 31u) / FMT_BITS + 1u);
  var out = 0u;
  var cached = 0xffffffffu;
  var group: FMT_GroupCode;
  for (var k = k_first; k < k_end; k++) {
    let g = FMT_group_of(k);
    if (g != cached) {
      cached = g;
      group = FMT_group_code(row, g);
    }
    out |= bits_in_word(FMT_code_of(src_value(row, k), group), k * FMT_BITS, FMT_BITS, word);
  }
  return out;
}
