import { FormatError } from '../errors.js';
import type { QuantFormat } from './format.js';
import { IntFormat, type IntBits } from './int.js';

/**
 * Format ids: `int<b>[-asym]-g<size|row>[-f32]`, e.g. `int4-g32` (symmetric absmax, f16 scales, groups of
 * 32), `int4-asym-g128`, `int8-grow-f32`. Later format families register their own patterns here.
 */
const INT_ID = /^int(\d+)(-asym)?-g(\d+|row)(-f32)?$/;

const cache = new Map<string, QuantFormat>();

export function parseFormat(id: string): QuantFormat {
  const hit = cache.get(id);
  if (hit) return hit;
  const m = INT_ID.exec(id);
  if (!m) throw new FormatError(`unknown format id '${id}'; expected e.g. 'int4-g32', 'int4-asym-g128', 'int8-grow-f32'`);
  const f = new IntFormat({
    bits: Number(m[1]) as IntBits,
    symmetric: !m[2],
    group: m[3] === 'row' ? 'row' : Number(m[3]),
    scale: m[4] ? 'f32' : 'f16',
  });
  cache.set(id, f);
  return f;
}

/** Accepts a format object or an id string. */
export function resolveFormat(f: QuantFormat | string): QuantFormat {
  return typeof f === 'string' ? parseFormat(f) : f;
}
