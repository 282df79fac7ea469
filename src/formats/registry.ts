/**
 * Format ids → formats, through the family table (formats/traits.ts): each family reads the ids of its
 * own grammar. Ids are cached, so a format (and anything fitted for it, like lattice β) is built once.
 */
import { FormatError } from '../errors.js';
import type { QuantFormat } from './format.js';
import { FORMAT_FAMILIES } from './traits.js';

const cache = new Map<string, QuantFormat>();

/**
 * The format of an id string, cached per id. Throws FormatError naming what is wrong.
 *
 * @example
 * ```ts
 * parseFormat('int4-g32').layout(4096).bitsPerEntry; // 4.5
 * ```
 */
export function parseFormat(id: string): QuantFormat {
  if (typeof id !== 'string') throw new FormatError(`a format id must be a string, got ${typeof id}`);
  let f = cache.get(id);
  if (!f) {
    for (const family of FORMAT_FAMILIES) {
      const parsed = family.parse(id);
      if (parsed) {
        f = parsed;
        break;
      }
    }
    if (!f)
      throw new FormatError(
        `unknown format id '${id}'; ids: ${FORMAT_FAMILIES.map((x) => x.grammar).join(', ')} (e.g. 'int4-g32', ` +
          `'mxfp4', 'nvfp4', 'nf4-g64', 'sq16-opt-r0.9', 'e8-q14-k4')`,
      );
    cache.set(id, f);
  }
  return f;
}

/** Accepts a format object or an id string. */
export function resolveFormat(f: QuantFormat | string): QuantFormat {
  return typeof f === 'string' ? parseFormat(f) : f;
}
