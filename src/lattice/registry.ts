import { FormatError } from '../errors.js';
import { gaussianMatrix, Rng } from '../reference/random.js';
import { optimizeBetas } from './betas.js';
import { latticeByName } from './lattices.js';
import { fitUniversalBetas, universalFit } from './universal.js';
import { DEFAULT_ROTATION_SEED, NestedLatticeFormat, type NestedLatticeParams } from './format.js';

/**
 * Nested-lattice format ids: `<lattice>-q<q>-k<k>[-norot|-s<seed>]` with β fitted by the built-in
 * optimiser to iid Gaussian rows (what the rotation makes every row look like), or
 * `<lattice>-q<q>-b<β_β_…>[…]` with explicit β. Lattices: e8, d4, d8, z<n>. E.g. `e8-q14-k4`.
 * A trailing `-u<seed>` selects the universal scheme (docs/universal.md) with that dither seed, β fitted to
 * its gauge rule, e.g. `e8-q14-k4-u1`. A trailing `-dense` packs the digits densely (digit-packing.ts),
 * e.g. `e8-q14-k4-dense`.
 */
export const LATTICE_ID =
  /^(e8|d\d+|z\d+)-q(\d+)-(?:k(\d+)|b([0-9._]+))(?:-(norot)|-s(\d+))?(?:-u(\d+)(-nodither)?(-nocentre)?)?(-dense)?$/;

/** Fixed sample for the default β: 512 Gaussian rows of 4096 (2^18 E8 blocks; the optimiser stratifies). */
const GAUSSIAN_SAMPLE_SEED = 0x6a55;

export function latticeFormatFromId(id: string): NestedLatticeFormat | null {
  const m = LATTICE_ID.exec(id);
  if (!m) return null;
  const lattice = m[1].toUpperCase();
  const q = Number(m[2]);
  const rotationSeed = m[5] ? null : m[6] !== undefined ? Number(m[6]) : DEFAULT_ROTATION_SEED;
  const base = { lattice, q, rotationSeed, ...(m[10] ? { dense: true } : {}) };
  const ditherSeed = m[7] !== undefined ? Number(m[7]) : null;
  if (ditherSeed !== null) {
    // the universal scheme: β for the gauge rule, D̄ from the same Gaussian sample
    const l = latticeByName(lattice);
    const fit =
      m[4] !== undefined ? universalFit(l, q, m[4].split('_').map(Number)) : fitUniversalBetas(l, q, Number(m[3]));
    const ablations = { dither: m[8] === undefined, centre: m[9] === undefined };
    return new NestedLatticeFormat(
      { ...base, betas: fit.betas, ditherSeed, universalNmse: fit.nmse, ...ablations },
      id,
    );
  }
  if (m[4] !== undefined) {
    const betas = m[4].split('_').map(Number);
    return new NestedLatticeFormat({ ...base, betas }, id);
  }
  const k = Number(m[3]);
  if (!(k >= 1 && k <= 16)) throw new FormatError(`format '${id}': k must be 1..16`);
  const fit = gaussianBetas(base, k);
  return new NestedLatticeFormat({ ...base, betas: fit.betas }, id, fit.mse);
}

const betaCache = new Map<string, { betas: number[]; mse: number }>();

/** β fitted by optimizeBetas to a fixed Gaussian sample, and the sample MSE (deterministic; cached per process). */
function gaussianBetas(base: Omit<NestedLatticeParams, 'betas'>, k: number): { betas: number[]; mse: number } {
  const key = `${base.lattice}/${base.q}/${k}`;
  let b = betaCache.get(key);
  if (!b) {
    const sample = gaussianMatrix(512, 4096, new Rng(GAUSSIAN_SAMPLE_SEED));
    const r = optimizeBetas({ lattice: base.lattice, q: base.q, rotationSeed: null }, k, sample);
    b = { betas: r.betas, mse: r.mse };
    betaCache.set(key, b);
  }
  return b;
}

/**
 * The other operand's format in a universal-scheme product: the same id with the next dither seed (two
 * operands must not share one, docs/universal.md §1), e.g. `e8-q14-k4-u1` → `e8-q14-k4-u2`.
 */
export function universalPartnerId(id: string): string {
  const m = LATTICE_ID.exec(id);
  if (!m || m[7] === undefined) throw new FormatError(`'${id}' is not a universal-scheme (-u<seed>) format`);
  return id.replace(/-u\d+/, `-u${(Number(m[7]) + 1) % 2 ** 32}`);
}
