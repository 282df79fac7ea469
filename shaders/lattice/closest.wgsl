// Exact closest point of Z^n / D_n / E8 on rational inputs N/D (i32 numerators, even i32 denominator),
// the lexicographic translation-invariant tie rule, integer coordinates and the Voronoi decode.
// Twin of src/lattice/closest.ts and lattices.ts, step for step. Points are doubled (2y) so E8's
// half-integer coset is integral. FMT_LATTICE: 0 = E8, 1 = D_n, 2 = Z^n; FMT_DIM ≤ 8; FMT_Q.

alias FMT_Vec = array<i32, 8>;

// Round half up of (N - shift)/D into *f; with `parity`, the D_n fix on the coordinate of largest |δ|
// (equal |δ|: a held upward move stays, a held downward move yields to a later one). Returns Σδ².
fn FMT_round_coset(N: FMT_Vec, D: i32, shift: i32, parity: bool, f: ptr<function, FMT_Vec>) -> i32 {
  let half = D >> 1u;
  let inv_d = 1.0 / f32(D);
  var delta: FMT_Vec;
  var dist = 0;
  var sum = 0;
  for (var i = 0u; i < FMT_DIM; i++) {
    let n = N[i] - shift;
    let fi = floor_div_small(n + half, inv_d); // |n + half| ≤ 2^20 + 2^10 (T_CLAMP); D is 256 or 2q
    (*f)[i] = fi;
    let d = n - fi * D;
    delta[i] = d;
    dist += d * d;
    sum += fi;
  }
  if (!parity || (sum & 1) == 0) { return dist; }
  var best = 0u;
  var best_abs = -1;
  var best_up = false;
  for (var i = 0u; i < FMT_DIM; i++) {
    let up = delta[i] >= 0;
    let a = abs(delta[i]);
    if (a > best_abs || (a == best_abs && !best_up)) {
      best = i;
      best_abs = a;
      best_up = up;
    }
  }
  let old = delta[best];
  var nd = old + D;
  if (best_up) {
    (*f)[best] += 1;
    nd = old - D;
  } else {
    (*f)[best] -= 1;
  }
  return dist - old * old + nd * nd;
}

// 2·Q_L(N/D).
fn FMT_closest_twice(N: FMT_Vec, D: i32) -> FMT_Vec {
  var f0: FMT_Vec;
  var out: FMT_Vec;
  let d0 = FMT_round_coset(N, D, 0, FMT_LATTICE != 2u, &f0);
  if (FMT_LATTICE != 0u) {
    for (var i = 0u; i < FMT_DIM; i++) { out[i] = 2 * f0[i]; }
    return out;
  }
  var f1: FMT_Vec;
  let d1 = FMT_round_coset(N, D, D >> 1u, true, &f1);
  var use_half = d1 < d0;
  if (d0 == d1) { use_half = 2 * f1[0] + 1 > 2 * f0[0]; }
  for (var i = 0u; i < 8u; i++) { out[i] = select(2 * f0[i], 2 * f1[i] + 1, use_half); }
  return out;
}

// Integer coordinates z = G⁻¹y from Y = 2y (every division is exact, so an arithmetic shift).
fn FMT_coords(Y: FMT_Vec) -> FMT_Vec {
  var z: FMT_Vec;
  if (FMT_LATTICE == 0u) {
    var tail = 0;
    for (var k = 6; k >= 1; k--) {
      tail += Y[k];
      z[k] = (tail - (7 - k) * Y[7]) >> 1u;
    }
    z[0] = (tail + Y[0] - 7 * Y[7]) >> 2u;
    z[7] = Y[7];
  } else if (FMT_LATTICE == 1u) {
    let n = i32(FMT_DIM);
    z[n - 1] = -(Y[n - 1] >> 1u);
    for (var i = n - 2; i >= 2; i--) { z[i] = z[i + 1] - (Y[i] >> 1u); }
    z[1] = ((Y[0] >> 1u) - (Y[1] >> 1u) + z[2]) >> 1u;
    z[0] = z[1] - (Y[0] >> 1u);
  } else {
    for (var i = 0u; i < FMT_DIM; i++) { z[i] = (Y[i] >> 1u); }
  }
  return z;
}

// 2·G·z.
fn FMT_twice_from_coords(z: FMT_Vec) -> FMT_Vec {
  var Y: FMT_Vec;
  if (FMT_LATTICE == 0u) {
    Y[0] = 2 * (2 * z[0] - z[1]) + z[7];
    for (var i = 1; i <= 5; i++) { Y[i] = 2 * (z[i] - z[i + 1]) + z[7]; }
    Y[6] = 2 * z[6] + z[7];
    Y[7] = z[7];
  } else if (FMT_LATTICE == 1u) {
    Y[0] = -2 * z[0];
    Y[1] = -2 * z[0];
    for (var j = 1u; j < FMT_DIM; j++) {
      Y[j - 1u] += 2 * z[j];
      Y[j] -= 2 * z[j];
    }
  } else {
    for (var i = 0u; i < FMT_DIM; i++) { Y[i] = 2 * z[i]; }
  }
  return Y;
}

// Voronoi decode of coset digits: 2·(G·c − q·Q_L(G·c/q)).
fn FMT_voronoi_decode_twice(c: FMT_Vec) -> FMT_Vec {
  var Y = FMT_twice_from_coords(c);
  let coarse = FMT_closest_twice(Y, 2 * i32(FMT_Q));
  for (var i = 0u; i < FMT_DIM; i++) { Y[i] -= i32(FMT_Q) * coarse[i]; }
  return Y;
}
