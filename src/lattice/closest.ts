/**
 * Exact closest-point algorithms for Z^n, D_n and E8 (Conway & Sloane; research/lattice.md §3.6) on
 * rational inputs x = N / D with integer numerators N and an even integer denominator D.
 *
 * Ties are broken by one translation-invariant rule (lattice.md §3.3): among the lattice points at
 * minimum distance, take the lexicographically largest. That is Q(x + ε) for an infinitesimal
 * ε = (ε₁ ≫ ε₂ ≫ … ≫ ε_n > 0), so Q(x + λ) = Q(x) + λ for every lattice vector λ, and the nested
 * (Voronoi) decoder recovers y exactly whenever it reports no overload.
 *
 * Every step is integer arithmetic (exact in f64 for |N|·D < 2^44), and the GPU twin
 * (shaders/lattice/closest.wgsl) runs the same steps in i32, so codes agree bit for bit.
 * Results are returned doubled (2y) so that E8's half-integer coset is integral too.
 */

/** floor(a / b) for integers a and b > 0, exact. */
export function floorDiv(a: number, b: number): number {
  let f = Math.floor(a / b);
  if (f * b > a) f--;
  else if ((f + 1) * b <= a) f++;
  return f;
}

/**
 * Z^n: per coordinate round half up (the ε rule). Writes f (integers) and the residuals
 * δ = N − f·D ∈ [−D/2, D/2); returns Σ δ².
 */
function roundZn(N: ArrayLike<number>, D: number, shift: number, f: number[], delta: number[]): number {
  const half = D / 2;
  let dist = 0;
  for (let i = 0; i < N.length; i++) {
    const n = N[i] - shift;
    const fi = floorDiv(n + half, D);
    f[i] = fi;
    delta[i] = n - fi * D;
    dist += delta[i] * delta[i];
  }
  return dist;
}

/**
 * D_n parity fix on an already rounded f: when Σf is odd, move one coordinate to its second-nearest
 * integer, the one that costs least (largest |δ|). Equal costs: an upward move (smallest index)
 * beats a downward one (largest index) — the lexicographic tie rule. Returns the new Σ δ².
 */
function parityFixDn(D: number, f: number[], delta: number[], dist: number): number {
  let sum = 0;
  for (const v of f) sum += v;
  if ((sum & 1) === 0) return dist;
  let best = -1;
  let bestAbs = -1;
  let bestUp = false;
  for (let i = 0; i < f.length; i++) {
    const up = delta[i] >= 0; // x ≥ f (δ = 0 counts as above f under ε > 0)
    const a = Math.abs(delta[i]);
    // Equal |δ|: a held upward move stays; a held downward move yields to any later one.
    if (a > bestAbs || (a === bestAbs && !bestUp)) {
      best = i;
      bestAbs = a;
      bestUp = up;
    }
  }
  const old = delta[best];
  if (bestUp) {
    f[best] += 1;
    delta[best] = old - D;
  } else {
    f[best] -= 1;
    delta[best] = old + D;
  }
  return dist - old * old + delta[best] * delta[best];
}

/** 2·Q_{Z^n}(N/D). */
export function closestZnTwice(N: ArrayLike<number>, D: number): number[] {
  const f: number[] = new Array(N.length);
  const delta: number[] = new Array(N.length);
  roundZn(N, D, 0, f, delta);
  return f.map((v) => 2 * v);
}

/** 2·Q_{D_n}(N/D). */
export function closestDnTwice(N: ArrayLike<number>, D: number): number[] {
  const f: number[] = new Array(N.length);
  const delta: number[] = new Array(N.length);
  parityFixDn(D, f, delta, roundZn(N, D, 0, f, delta));
  return f.map((v) => 2 * v);
}

/** Lexicographic comparison of two integer vectors: > 0 when a is larger. */
export function lexCompare(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** 2·Q_{E8}(N/D) for 8 numerators and an even denominator D: the closer of D8 and D8 + ½𝟙. */
export function closestE8Twice(N: ArrayLike<number>, D: number): number[] {
  if (N.length !== 8) throw new RangeError(`E8 closest point needs 8 coordinates, got ${N.length}`);
  const f0: number[] = new Array(8);
  const d0: number[] = new Array(8);
  const f1: number[] = new Array(8);
  const d1: number[] = new Array(8);
  const dist0 = parityFixDn(D, f0, d0, roundZn(N, D, 0, f0, d0));
  const dist1 = parityFixDn(D, f1, d1, roundZn(N, D, D / 2, f1, d1));
  const y0 = f0.map((v) => 2 * v);
  const y1 = f1.map((v) => 2 * v + 1);
  if (dist0 < dist1) return y0;
  if (dist1 < dist0) return y1;
  return lexCompare(y0, y1) > 0 ? y0 : y1;
}
