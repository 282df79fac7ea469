// GEMV blocks for f32 (or decoded) X times a W with affine groups (value = scale·(code − offset), e.g.
// INT): over one group, x·w = scale·(x·c − offset·Σx). A step covers GEMV_CHUNKS 8-blocks of one group
// (the planner picks GEMV_CHUNKS so a step never crosses a group): Σx is formed once per step and shared
// by every row a thread covers; per row the group's scale and offset are read once, and each W entry
// costs what reading its code in place costs (FMT_affine_codes8: one AND) and one vertical FMA. The
// in-place codes carry powers of two (the format's FMT_affine_units), applied once per step by a dot.
// Entries of X at or past k_end are zeroed, which zeroes their terms (W needs no mask: its codes are
// finite numbers wherever they are read).
struct GemvX {
#unroll j GEMV_CHUNKS
  v{j}: Vals8,
#end
  sum: f32,
}

struct GemvW {
#unroll j GEMV_CHUNKS
  c{j}: Vals8,
#end
  group: vec2<f32>, // scale, offset
}

fn gemv_x(m: u32, k: u32, k_end: u32) -> GemvX {
  var x: GemvX;
  var s = vec4<f32>(0.0);
#unroll j GEMV_CHUNKS
  x.v{j} = mask8(x_decode8(m, k + {j}u * 8u), k + {j}u * 8u, k_end);
  s += x.v{j}.lo + x.v{j}.hi;
#end
  x.sum = (s.x + s.y) + (s.z + s.w);
  return x;
}

fn gemv_w(n: u32, k: u32, k_end: u32) -> GemvW {
  var w: GemvW;
#unroll j GEMV_CHUNKS
  w.c{j} = w_affine_codes8(n, k + {j}u * 8u);
#end
  w.group = w_affine_group(n, k);
  return w;
}

alias GemvPartial = f32;
fn gemv_fma(p: f32, x: GemvX, w: GemvW) -> f32 {
  var lo = vec4<f32>(0.0);
  var hi = vec4<f32>(0.0);
#unroll j GEMV_CHUNKS
  lo = fma(x.v{j}.lo, w.c{j}.lo, lo);
  hi = fma(x.v{j}.hi, w.c{j}.hi, hi);
#end
  let u = w_affine_units();
  let xc = dot(lo, u.lo) + dot(hi, u.hi);
  return fma(w.group.x, xc - w.group.y * x.sum, p);
}
fn gemv_total(p: f32) -> f32 { return p; }
