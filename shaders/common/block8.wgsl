// The unit every matmul template decodes: eight consecutive entries of one row along K, starting at a
// multiple of 8. Entries at k >= K may hold anything; templates mask them.
struct Vals8 {
  lo: vec4<f32>,
  hi: vec4<f32>,
}

// The same eight entries as signed bytes times one f32 factor (value_i = factor · byte_i, exactly in
// the reals): formats with an integer grid offer this, so two of them multiply with dot4I8Packed.
struct Int8x8 {
  lo: u32, // entries 0..3, entry 0 in the low byte
  hi: u32, // entries 4..7
  factor: f32,
}

fn vals8(v: array<f32, 8>) -> Vals8 {
  return Vals8(vec4<f32>(v[0], v[1], v[2], v[3]), vec4<f32>(v[4], v[5], v[6], v[7]));
}

// Entries [k, k + 8) that lie before `k_end` keep their value, the rest become 0.
fn mask8(v: Vals8, k: u32, k_end: u32) -> Vals8 {
  if (k + 8u <= k_end) { return v; }
  let i = vec4<u32>(0u, 1u, 2u, 3u) + vec4<u32>(k);
  return Vals8(select(vec4<f32>(0.0), v.lo, i < vec4<u32>(k_end)), select(vec4<f32>(0.0), v.hi, i + vec4<u32>(4u) < vec4<u32>(k_end)));
}

fn mask_int8x8(v: Int8x8, k: u32, k_end: u32) -> Int8x8 {
  if (k + 8u <= k_end) { return v; }
  let n = select(k_end - k, 0u, k_end < k); // valid entries, 0..7
  let m_lo = select(0xffffffffu, (1u << (8u * n)) - 1u, n < 4u);
  let m_hi = select(0xffffffffu, (1u << (8u * (n - 4u))) - 1u, n < 8u);
  return Int8x8(v.lo & m_lo, select(0u, v.hi & m_hi, n > 4u), v.factor);
}

// Packs eight small signed integers (|v| < 128) into two words of bytes.
fn pack_i8x8(v: array<i32, 8>) -> vec2<u32> {
  var lo = 0u;
  var hi = 0u;
  for (var i = 0u; i < 4u; i++) {
    lo |= (u32(v[i]) & 0xffu) << (8u * i);
    hi |= (u32(v[i + 4u]) & 0xffu) << (8u * i);
  }
  return vec2<u32>(lo, hi);
}

// Four small signed integers (|v| < 128) as bytes of one word, entry 0 in the low byte (pack4xI8
// without needing the WGSL packed_4x8_integer_dot_product feature).
fn pack_i8x4(v: vec4<i32>) -> u32 {
  let b = vec4<u32>(v) & vec4<u32>(0xffu);
  return b.x | (b.y << 8u) | (b.z << 16u) | (b.w << 24u);
}
