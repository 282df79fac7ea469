// GEMV blocks on integer blocks (both operands offer FMT_int8x8): one integer dot product of signed
// bytes (dot4i8: DP4A or its emulation) times the two blocks' factors, in f32.
alias GemvX = Int8x8;
alias GemvW = Int8x8;

fn gemv_x(m: u32, k: u32, k_end: u32) -> Int8x8 { return mask_int8x8(x_int8x8(m, k), k, k_end); }
fn gemv_w(n: u32, k: u32, k_end: u32) -> Int8x8 { return mask_int8x8(w_int8x8(n, k), k, k_end); }
alias GemvPartial = f32;
fn gemv_fma(p: f32, x: Int8x8, w: Int8x8) -> f32 { return p + x.factor * w.factor * f32(dot4i8(x.lo, w.lo) + dot4i8(x.hi, w.hi)); }
fn gemv_total(p: f32) -> f32 { return p; }
