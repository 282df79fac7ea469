// binary16 <-> f32 on the bit pattern, round-to-nearest-even. Twin of src/formats/f16.ts.
// (WGSL leaves f32->f16 rounding to the implementation, so stored bits are made by hand.)

fn f32_to_f16_bits(x: f32) -> u32 {
  let u = bitcast<u32>(x);
  let sign = (u >> 16u) & 0x8000u;
  let ex = (u >> 23u) & 0xffu;
  let man = u & 0x7fffffu;
  if (ex == 0xffu) { return sign | 0x7c00u | select(0u, 0x200u, man != 0u); }
  let e = i32(ex) - 112;
  if (e >= 31) { return sign | 0x7c00u; }
  if (e <= 0) {
    if (e < -10) { return sign; }
    let m = man | 0x800000u;
    let shift = u32(14 - e);
    var r = m >> shift;
    let rem = m & ((1u << shift) - 1u);
    let half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (r & 1u) == 1u)) { r += 1u; }
    return sign | r;
  }
  var r = (u32(e) << 10u) | (man >> 13u);
  let rem = man & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1u) == 1u)) { r += 1u; }
  return sign | r;
}

// Finite binary16 bits -> f32 (exact; f16 subnormals are f32 normals). Branch-free: on CPU-backed
// adapters a branch inside a loop costs more than computing both cases and selecting.
fn f16_bits_to_f32(h: u32) -> f32 {
  let ex = (h >> 10u) & 0x1fu;
  let man = h & 0x3ffu;
  let sign = (h & 0x8000u) << 16u;
  let normal = bitcast<f32>(sign | ((ex + 112u) << 23u) | (man << 13u));
  let subnormal = bitcast<f32>(sign | bitcast<u32>(f32(i32(man)) * 5.9604644775390625e-8)); // man·2^-24
  return select(normal, subnormal, ex == 0u);
}
