import { DEFAULT_TRELLIS_ROTATION_SEED, TrellisFormat } from './format.js';

/**
 * Trellis format ids: `tcq<k>-l<L>[-g<gain>][-norot|-s<seed>]`, k bits per weight, L state bits, the code's
 * gain in row-RMS units (default: the MSE-optimal gain measured for k, docs/trellis.md), e.g. `tcq2-l16`.
 */
export const TRELLIS_ID = /^tcq(\d+)-l(\d+)(?:-g([0-9.]+))?(?:-(norot)|-s(\d+))?$/;

/**
 * The code's gain that minimises the Gaussian MSE at L = 16 (docs/trellis.md §3; measured on 2×4096 N(0,1)
 * rows over a 0.05 grid): the 1MAD code is bounded at ±3.45 RMS, and at higher rates its tails need the stretch.
 */
const DEFAULT_GAIN: Readonly<Record<number, number>> = { 1: 1, 2: 1, 3: 1.06, 4: 1.1 };

export function trellisFormatFromId(id: string): TrellisFormat | null {
  const m = TRELLIS_ID.exec(id);
  if (!m) return null;
  const k = Number(m[1]);
  const rotationSeed = m[4] ? null : m[5] !== undefined ? Number(m[5]) : DEFAULT_TRELLIS_ROTATION_SEED;
  const gain = m[3] !== undefined ? Number(m[3]) : (DEFAULT_GAIN[k] ?? 1);
  return new TrellisFormat({ k, L: Number(m[2]), gain, rotationSeed }, id);
}
