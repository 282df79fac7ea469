/**
 * Density panel data (CPU only): λ*(u) for a correlation ρ, its peaks (bimodal past |ρ| = 1/√3), the
 * K-level quantizer built from it, and its exact E[D²] against the K⁻² prediction 2·C_opt(ρ)/K².
 */
import { buildQuantizer, exactMatmulError, type ScalarQuantizer } from '../src/formats/density.js';
import {
  BIMODAL_THRESHOLD,
  densityNormalizer,
  densityPeak,
  optimalConstant,
  optimalDensity,
} from '../src/theory/density.js';

export interface DensityView {
  rho: number;
  us: number[];
  density: number[];
  bimodal: boolean;
  peak: number;
  quantizer: ScalarQuantizer;
  rows: { K: number; measured: number; predicted: number; ratio: number }[];
}

const DENSITY_LEVELS = [4, 8, 16, 32] as const;

export function densityView(rho: number, K: number): DensityView {
  const z = densityNormalizer(rho);
  const us = Array.from({ length: 241 }, (_, i) => -6 + i * 0.05);
  const rows = DENSITY_LEVELS.map((k) => {
    const measured = exactMatmulError(buildQuantizer(k, 'opt', rho), rho).meanSquare;
    const predicted = (2 * optimalConstant(rho)) / (k * k);
    return { K: k, measured, predicted, ratio: measured / predicted };
  });
  return {
    rho,
    us,
    density: us.map((u) => optimalDensity(u, rho) / z),
    bimodal: Math.abs(rho) > BIMODAL_THRESHOLD,
    peak: densityPeak(rho),
    quantizer: buildQuantizer(K, 'opt', rho),
    rows,
  };
}
