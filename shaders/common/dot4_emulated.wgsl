// Signed 4×8-bit dot product without packed_4x8_integer_dot_product: sign-extend each byte and multiply.
fn dot4i8(a: u32, b: u32) -> i32 {
  let sa = vec4<i32>(bitcast<i32>(a << 24u), bitcast<i32>(a << 16u), bitcast<i32>(a << 8u), bitcast<i32>(a)) >> vec4<u32>(24u);
  let sb = vec4<i32>(bitcast<i32>(b << 24u), bitcast<i32>(b << 16u), bitcast<i32>(b << 8u), bitcast<i32>(b)) >> vec4<u32>(24u);
  return dot(sa, sb);
}
