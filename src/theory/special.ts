/** Special functions in f64: erf to ~1e-15 (series below 3, continued fraction above), Φ, φ. */

export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  if (x === Infinity) return 1;
  if (x < 3) {
    // Maclaurin series: erf x = 2/√π Σ (−1)^n x^{2n+1} / (n! (2n+1)).
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  return 1 - erfc(x);
}

/** erfc for x ≥ 3 by the Laplace continued fraction (modified Lentz). */
export function erfc(x: number): number {
  if (x < 3) return 1 - erf(x);
  if (x === Infinity) return 0;
  // erfc x = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x;
  let C = x;
  let D = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    D = x + a * D;
    D = D === 0 ? tiny : 1 / D;
    C = x + a / C;
    if (C === 0) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Standard normal density. */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  if (x === -Infinity) return 0;
  if (x === Infinity) return 1;
  return x < -3 * Math.SQRT2 ? 0.5 * erfc(-x / Math.SQRT2) : 0.5 * (1 + erf(x / Math.SQRT2));
}

/** P(|X| ≤ t) for X ~ N(0,1). */
export function halfNormalCdf(t: number): number {
  return t <= 0 ? 0 : erf(t / Math.SQRT2);
}

/** Nodes and weights of n-point Gauss–Legendre on [−1, 1] (Newton on the Legendre recurrence). */
function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    x[i] = z;
    w[i] = 2 / ((1 - z * z) * dp * dp);
  }
  return { x, w };
}

const GL = gaussLegendre(16);

/**
 * ∫_a^b f by composite 16-point Gauss–Legendre over `panels` equal panels: a fixed cost, and accurate
 * to near machine precision for the smooth integrands here (split the range at any kink first).
 */
export function integrate(f: (x: number) => number, a: number, b: number, panels = 64): number {
  const h = (b - a) / panels;
  let sum = 0;
  for (let p = 0; p < panels; p++) {
    const mid = a + (p + 0.5) * h;
    for (let i = 0; i < GL.x.length; i++) sum += GL.w[i] * f(mid + 0.5 * h * GL.x[i]);
  }
  return 0.5 * h * sum;
}
