/**
 * Schemes at a nominal rate: what `--format e8 --rate 4` means. Each scheme family maps a rate (bits
 * per entry, side information aside) to one format id; the id's layout gives the exact stored bits.
 */
import { FormatError } from '../errors.js';
import type { QuantFormat } from './format.js';
import { parseFormat } from './registry.js';

export const SCHEMES: Readonly<Record<string, { what: string; rates: Readonly<Record<number, string>> }>> = {
  int: { what: 'absmax INT, groups of 32 (f16 scales)', rates: { 2: 'int2-g32', 3: 'int3-g32', 4: 'int4-g32', 5: 'int5-g32', 6: 'int6-g32', 8: 'int8-g32' } },
  'int-asym': { what: 'min–max INT, groups of 32 (f16 scale and zero point)', rates: { 2: 'int2-asym-g32', 3: 'int3-asym-g32', 4: 'int4-asym-g32', 5: 'int5-asym-g32', 6: 'int6-asym-g32', 8: 'int8-asym-g32' } },
  e8: { what: 'E8 nested-lattice code, Hadamard-rotated, 4 fitted scalings (q chosen for the rate)', rates: { 2: 'e8-q4-k4', 3: 'e8-q7-k4', 4: 'e8-q14-k4', 5: 'e8-q28-k4', 6: 'e8-q56-k4', 8: 'e8-q224-k4' } },
  sq: { what: 'Lloyd–Max codebook of 2^R levels, per-row σ scale', rates: { 2: 'sq4-lm', 3: 'sq8-lm', 4: 'sq16-lm', 5: 'sq32-lm', 6: 'sq64-lm', 8: 'sq256-lm' } },
  mx: { what: 'OCP microscaling (blocks of 32, E8M0 scales)', rates: { 4: 'mxfp4', 6: 'mxfp6-e2m3', 8: 'mxfp8-e4m3' } },
  nvfp4: { what: 'NVFP4 (E2M1, blocks of 16, E4M3 scales, f32 tensor scale)', rates: { 4: 'nvfp4' } },
  nf4: { what: 'QLoRA NF4, blocks of 64', rates: { 4: 'nf4-g64' } },
};

/** The format of `scheme` at `rate`, or `scheme` itself when it is a format id (then `rate` must be absent). */
export function formatForScheme(scheme: string, rate?: number): QuantFormat {
  const s = Object.hasOwn(SCHEMES, scheme) ? SCHEMES[scheme] : undefined;
  if (!s) {
    if (rate !== undefined) throw new FormatError(`unknown scheme '${scheme}'; schemes: ${Object.keys(SCHEMES).join(', ')} (or give a format id such as 'int4-g32' without a rate)`);
    return parseFormat(scheme);
  }
  if (rate === undefined) throw new FormatError(`scheme '${scheme}' needs a rate: one of ${Object.keys(s.rates).join(', ')}`);
  const id = Object.hasOwn(s.rates, rate) ? s.rates[rate] : undefined;
  if (!id) throw new FormatError(`scheme '${scheme}' has no rate ${rate}; it has ${Object.keys(s.rates).join(', ')} bits`);
  return parseFormat(id);
}
