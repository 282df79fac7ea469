/**
 * Schemes at a nominal rate: what `--format e8 --rate 4` means. Each family registers its schemes
 * (formats/traits.ts), mapping a rate (bits per entry, side information aside) to one format id; the
 * id's layout gives the exact stored bits.
 */
import { FormatError } from '../errors.js';
import type { QuantFormat } from './format.js';
import { parseFormat } from './registry.js';
import { FORMAT_FAMILIES, type Scheme } from './traits.js';

/** Every scheme of every family, by name (null prototype: names come from users). */
export const SCHEMES: Readonly<Record<string, Scheme>> = Object.assign(
  Object.create(null) as Record<string, Scheme>,
  ...FORMAT_FAMILIES.map((f) => f.schemes),
);

/** The format of `scheme` at `rate`, or `scheme` itself when it is a format id (then `rate` must be absent). */
export function formatForScheme(scheme: string, rate?: number): QuantFormat {
  const s = Object.hasOwn(SCHEMES, scheme) ? SCHEMES[scheme] : undefined;
  if (!s) {
    if (rate !== undefined)
      throw new FormatError(
        `unknown scheme '${scheme}'; schemes: ${Object.keys(SCHEMES).join(', ')} (or give a format id such as ` +
          `'int4-g32' without a rate)`,
      );
    return parseFormat(scheme);
  }
  if (rate === undefined)
    throw new FormatError(`scheme '${scheme}' needs a rate: one of ${Object.keys(s.rates).join(', ')}`);
  const id = Object.hasOwn(s.rates, rate) ? s.rates[rate] : undefined;
  if (!id)
    throw new FormatError(`scheme '${scheme}' has no rate ${rate}; it has ${Object.keys(s.rates).join(', ')} bits`);
  return parseFormat(id);
}
