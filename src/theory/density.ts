/**
 * The optimal point density for scalar-quantized matrix multiplication of correlated Gaussian pairs
 * (docs/theory.md §4, after Ang–Kim–Pilanci 2026): λ*(u) ∝ exp(−u²/6)·((1−ρ²) + ρ²u²)^{1/3},
 * its normaliser Z(ρ), J(ρ) = (2π)^{−1/6} Z(ρ), the K⁻² constant C_opt = J³/12 (E[D²] ≈ 2C_opt/K² with
 * K levels on both operands), the Panter–Dite alternative C_pd = (√3π/2)(1 + 2ρ²), and the
 * unimodal→bimodal transition at |ρ| = 1/√3 with peaks at ±√(3 − 1/ρ²).
 */
import { integrate } from './special.js';

/** Unnormalised λ*(u) for correlation ρ (u = x/σ). */
export function optimalDensity(u: number, rho: number): number {
  const r2 = rho * rho;
  return Math.exp((-u * u) / 6) * Math.cbrt(1 - r2 + r2 * u * u);
}

/** Z(ρ) = ∫ exp(−u²/6)·h(u)^{1/3} du (Z(0) = √(6π), Z(1) = 6^{5/6}Γ(5/6)). */
export function densityNormalizer(rho: number): number {
  // h^{1/3} has a kink at u = 0 when ρ = 1: split there.
  return 2 * integrate((u) => optimalDensity(u, rho), 0, 14, 256);
}

export function densityJ(rho: number): number {
  return Math.pow(2 * Math.PI, -1 / 6) * densityNormalizer(rho);
}

/** C_opt(ρ) = J(ρ)³/12 (σ_X = σ_Y = 1): E[D²] ≈ 2·C_opt/K² for K levels on each operand. */
export function optimalConstant(rho: number): number {
  return densityJ(rho) ** 3 / 12;
}

/** The constant of the Panter–Dite (Lloyd–Max asymptotic) density at correlation ρ. */
export function panterDiteMatmulConstant(rho: number): number {
  return ((Math.sqrt(3) * Math.PI) / 2) * (1 + 2 * rho * rho);
}

/** Panter–Dite constant of N(0,1): D ≈ (√3π/2)/K² for a K-level Lloyd–Max quantizer. */
export const PANTER_DITE_GAUSSIAN = (Math.sqrt(3) * Math.PI) / 2;

/** |ρ| at which λ* turns bimodal. */
export const BIMODAL_THRESHOLD = 1 / Math.sqrt(3);

/** Positive peak of λ*: 0 when unimodal, √(3 − 1/ρ²) when |ρ| > 1/√3. */
export function densityPeak(rho: number): number {
  return Math.abs(rho) > BIMODAL_THRESHOLD ? Math.sqrt(3 - 1 / (rho * rho)) : 0;
}
