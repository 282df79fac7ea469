// The universal scheme's dither, row mean and no-overload gauge (twin of src/lattice/universal.ts; used
// when FMT_UNIVERSAL, docs/universal.md). Composed after closest.wgsl and nested.wgsl.

// The murmur3 finaliser (u32 multiplies wrap, as Math.imul does on the CPU).
fn FMT_mix32(h0: u32) -> u32 {
  var h = h0 ^ (h0 >> 16u);
  h = h * 0x85ebca6bu;
  h = h ^ (h >> 13u);
  h = h * 0xc2b2ae35u;
  return h ^ (h >> 16u);
}

// Row mean μ (second word of the row's scales).
fn FMT_mean(row: u32) -> f32 {
  return bitcast<f32>(FMT_scale_field(row, 1u, 32u));
}

// Dither of block `blk` in 1/256 lattice units: u uniform on the grid of [0, 2)^n from the key of the row
// (its index in the whole matrix: the window's first row FMT_meta.row0 plus `row`),
// reduced into the Voronoi cell, d = u − Q_L(u).
fn FMT_dither(row: u32, blk: u32) -> FMT_Vec {
  var u: FMT_Vec;
  if (!FMT_DITHER) { return u; } // the -nodither ablation
  let key = FMT_mix32(FMT_mix32(FMT_DITHER_SEED) ^ (FMT_meta.row0 + row));
  for (var i = 0u; i < FMT_DIM; i++) { u[i] = i32(FMT_mix32(key ^ (blk * FMT_DIM + i)) >> 23u); }
  let c = FMT_closest_twice(u, 256);
  for (var i = 0u; i < FMT_DIM; i++) { u[i] -= 128 * c[i]; }
  return u;
}

// Twice the Voronoi gauge of t/256 in 1/256 units (E8: roots ±e_i±e_j and ½(±1)^8 with even minus
// signs; D_n: ±e_i±e_j; Z^n: the cube, 2·max|t_i|). FMT_GAUGE_KIND: 0 = E8, 1 = D_n, 2 = Z^n.
fn FMT_gauge_twice(t: FMT_Vec) -> i32 {
  var a1 = 0;
  var a2 = 0;
  var sum = 0;
  var lo = 0x7fffffff;
  var negatives = 0u;
  for (var i = 0u; i < FMT_DIM; i++) {
    let a = abs(t[i]);
    negatives += select(0u, 1u, t[i] < 0);
    sum += a;
    lo = min(lo, a);
    if (a > a1) {
      a2 = a1;
      a1 = a;
    } else if (a > a2) {
      a2 = a;
    }
  }
  if (FMT_GAUGE_KIND == 2u) { return 4 * a1; }
  let pair = 2 * (a1 + a2);
  if (FMT_GAUGE_KIND == 1u) { return pair; }
  return max(pair, sum - select(0, 2 * lo, (negatives & 1u) == 1u));
}
