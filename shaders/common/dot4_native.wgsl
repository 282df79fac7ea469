// Signed 4×8-bit dot product on the WGSL feature packed_4x8_integer_dot_product (DP4A where the hardware has it).
fn dot4i8(a: u32, b: u32) -> i32 {
  return dot4I8Packed(a, b);
}
