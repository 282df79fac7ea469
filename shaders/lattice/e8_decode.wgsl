// Voronoi decode of one E8 block (q^8 < 2^32, one mixed-radix field) in vector form: the same arithmetic
// as FMT_digits + FMT_voronoi_decode_twice (lattice/nested.wgsl, closest.wgsl), step for step, on two
// vec4<i32> halves with selects instead of loops over arrays. CPU-backed adapters keep dynamically
// indexed arrays in memory and run every loop trip, so this form is several times cheaper there.
// Used when FMT_E8_FAST (host: E8, radix field, split q^4 < 2^21).

struct FMT_Half8 {
  lo: vec4<i32>,
  hi: vec4<i32>,
}

fn FMT_floor_div4(a: vec4<i32>, inv_d: f32) -> vec4<i32> {
  return vec4<i32>(floor((vec4<f32>(a) + 0.5) * inv_d)); // exact for |a| < 2^21 (common/bits.wgsl)
}

// fl(1/r^i), i = 0..3, for the plain field's radix q and the dense packing's m (const-expressions).
const FMT_Q_INV4 = vec4<f32>(1.0, 1.0 / f32(FMT_Q), 1.0 / f32(FMT_Q * FMT_Q), 1.0 / f32(FMT_Q * FMT_Q * FMT_Q));
const FMT_DENSE_INV4 = vec4<f32>(
  1.0,
  1.0 / f32(FMT_DENSE_M),
  1.0 / f32(FMT_DENSE_M * FMT_DENSE_M),
  1.0 / f32(FMT_DENSE_M * FMT_DENSE_M * FMT_DENSE_M),
);

// Digits of h < r^4 in radix r: quotients h / r^i (i = 0..3) at once, digit_i = quot_i − r·quot_{i+1}.
fn FMT_digits4(h: u32, radix: u32, inv4: vec4<f32>) -> vec4<i32> {
  let quot = vec4<i32>(floor((vec4<f32>(f32(h)) + 0.5) * inv4));
  return quot - i32(radix) * vec4<i32>(quot.yzw, 0);
}

// 2·G·z for E8 (FMT_twice_from_coords with LATTICE = 0).
fn FMT_e8_twice_from_coords(z: FMT_Half8) -> FMT_Half8 {
  let z7 = z.hi.w;
  let lo = 2 * (z.lo - vec4<i32>(z.lo.yzw, z.hi.x)) + vec4<i32>(z7 + 2 * z.lo.x, z7, z7, z7);
  let hi = 2 * (z.hi - vec4<i32>(z.hi.yzw, 0)) + vec4<i32>(z7, z7, 3 * z7, -z7);
  return FMT_Half8(lo, hi);
}

struct FMT_Coset8 {
  f: FMT_Half8,
  dist: i32,
}

fn FMT_hsum(v: vec4<i32>) -> i32 {
  return v.x + v.y + v.z + v.w;
}

// FMT_round_coset(N, D, shift, parity = true) in vector form. The D_n fix moves the coordinate the
// sequential scan picks: among the largest |δ|, the first with δ ≥ 0, else the last.
fn FMT_round_coset8(N: FMT_Half8, D: i32, shift: i32) -> FMT_Coset8 {
  let inv_d = 1.0 / f32(D);
  let half = vec4<i32>(D >> 1u);
  let n_lo = N.lo - vec4<i32>(shift);
  let n_hi = N.hi - vec4<i32>(shift);
  var f_lo = FMT_floor_div4(n_lo + half, inv_d);
  var f_hi = FMT_floor_div4(n_hi + half, inv_d);
  let d_lo = n_lo - f_lo * D;
  let d_hi = n_hi - f_hi * D;
  let dist = FMT_hsum(d_lo * d_lo + d_hi * d_hi);
  let odd = ((FMT_hsum(f_lo + f_hi)) & 1) != 0;
  let a_lo = abs(d_lo);
  let a_hi = abs(d_hi);
  let m4 = max(a_lo, a_hi);
  let m = max(max(m4.x, m4.y), max(m4.z, m4.w));
  let idx_lo = vec4<i32>(0, 1, 2, 3);
  let idx_hi = vec4<i32>(4, 5, 6, 7);
  let tie_lo = a_lo == vec4<i32>(m);
  let tie_hi = a_hi == vec4<i32>(m);
  let up_lo = tie_lo & (d_lo >= vec4<i32>(0));
  let up_hi = tie_hi & (d_hi >= vec4<i32>(0));
  let first_up4 = min(select(vec4<i32>(8), idx_lo, up_lo), select(vec4<i32>(8), idx_hi, up_hi));
  let first_up = min(min(first_up4.x, first_up4.y), min(first_up4.z, first_up4.w));
  let last_tie4 = max(select(vec4<i32>(-1), idx_lo, tie_lo), select(vec4<i32>(-1), idx_hi, tie_hi));
  let last_tie = max(max(last_tie4.x, last_tie4.y), max(last_tie4.z, last_tie4.w));
  let best_up = first_up < 8;
  let best = select(last_tie, first_up, best_up);
  let sel_lo = (idx_lo == vec4<i32>(best)) & vec4<bool>(odd);
  let sel_hi = (idx_hi == vec4<i32>(best)) & vec4<bool>(odd);
  let step = select(-1, 1, best_up);
  f_lo += select(vec4<i32>(0), vec4<i32>(step), sel_lo);
  f_hi += select(vec4<i32>(0), vec4<i32>(step), sel_hi);
  // old = δ[best]; new δ = old − D (moved up) or old + D (moved down)
  let old = FMT_hsum(select(vec4<i32>(0), d_lo, sel_lo) + select(vec4<i32>(0), d_hi, sel_hi));
  let nd = old - step * D;
  return FMT_Coset8(FMT_Half8(f_lo, f_hi), select(dist, dist - old * old + nd * nd, odd));
}

// 2·Q_E8(N/D) (FMT_closest_twice with LATTICE = 0).
fn FMT_e8_closest_twice(N: FMT_Half8, D: i32) -> FMT_Half8 {
  let c0 = FMT_round_coset8(N, D, 0);
  let c1 = FMT_round_coset8(N, D, D >> 1u);
  let t0 = FMT_Half8(2 * c0.f.lo, 2 * c0.f.hi);
  let t1 = FMT_Half8(2 * c1.f.lo + 1, 2 * c1.f.hi + 1);
  var use_half = c1.dist < c0.dist;
  if (c0.dist == c1.dist) { use_half = t1.lo.x > t0.lo.x; }
  return FMT_Half8(select(t0.lo, t1.lo, use_half), select(t0.hi, t1.hi, use_half));
}

// The doubled decoded point 2λ̂ of block `blk` of `row`.
fn FMT_e8_decode_twice(row: u32, blk: u32) -> FMT_Half8 {
  var z: FMT_Half8;
  if (FMT_DENSE) {
    // the block's x split in halves of four radix-m digits, plus m times each digit's raw high bits
    let hl = div_mod_u32(FMT_dense_x(row, blk), FMT_DENSE_SPLIT, 1.0 / f32(FMT_DENSE_SPLIT));
    var hi_lo = vec4<i32>(0);
    var hi_hi = vec4<i32>(0);
    if (FMT_DENSE_E > 0u) {
      let e = FMT_DENSE_E;
      let h = vec4<u32>(
        FMT_row_bits(row, blk * 8u * e, 4u * e),
        FMT_row_bits(row, (blk * 8u + 4u) * e, 4u * e),
        0u,
        0u,
      );
      let sh = vec4<u32>(0u, e, 2u * e, 3u * e);
      let mask = vec4<u32>((1u << e) - 1u);
      hi_lo = i32(FMT_DENSE_M) * vec4<i32>((vec4<u32>(h.x) >> sh) & mask);
      hi_hi = i32(FMT_DENSE_M) * vec4<i32>((vec4<u32>(h.y) >> sh) & mask);
    }
    let m = FMT_DENSE_M;
    z = FMT_Half8(FMT_digits4(hl.y, m, FMT_DENSE_INV4) + hi_lo, FMT_digits4(hl.x, m, FMT_DENSE_INV4) + hi_hi);
  } else {
    let hl = div_mod_u32(FMT_field(row, blk), FMT_SPLIT, 1.0 / f32(FMT_SPLIT));
    z = FMT_Half8(FMT_digits4(hl.y, FMT_Q, FMT_Q_INV4), FMT_digits4(hl.x, FMT_Q, FMT_Q_INV4));
  }
  let Y = FMT_e8_twice_from_coords(z);
  let coarse = FMT_e8_closest_twice(Y, 2 * i32(FMT_Q));
  return FMT_Half8(Y.lo - i32(FMT_Q) * coarse.lo, Y.hi - i32(FMT_Q) * coarse.hi);
}
