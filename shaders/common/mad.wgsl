// QTIP's "1MAD" computed code of the trellis formats (twin of src/formats/trellis/code.ts): state s maps
// to the byte sum of a·s + b (mod 2^32), an integer in [0, 1020] whose − 510 is the code.
const MAD_A: u32 = 34038481u;
const MAD_B: u32 = 76625530u;

fn mad_byte_sum(s: u32) -> u32 {
  let x = s * MAD_A + MAD_B;
  return (x & 255u) + ((x >> 8u) & 255u) + ((x >> 16u) & 255u) + (x >> 24u);
}
