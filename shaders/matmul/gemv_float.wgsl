// GEMV blocks on decoded values (f32 × any format).
alias GemvX = Vals8;
alias GemvW = Vals8;

fn gemv_x(m: u32, k: u32, k_end: u32) -> Vals8 { return mask8(x_decode8(m, k), k, k_end); }
fn gemv_w(n: u32, k: u32, k_end: u32) -> Vals8 { return mask8(w_decode8(n, k), k, k_end); }
// Four running sums per row, added up once at the end: vertical FMAs instead of a horizontal dot per
// block (on CPU-backed adapters a dot costs 7 operations for 4 products, an FMA 1 per product).
alias GemvPartial = vec4<f32>;
fn gemv_fma(p: vec4<f32>, x: Vals8, w: Vals8) -> vec4<f32> { return fma(x.hi, w.hi, fma(x.lo, w.lo, p)); }
fn gemv_total(p: vec4<f32>) -> f32 { return (p.x + p.y) + (p.z + p.w); }
