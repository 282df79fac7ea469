import { FormatError } from '../errors.js';
import { E2M1, E3M2, E4M3, E5M2, E2M3, MINIFLOATS, MXINT8, NF4, type ElementCodec } from './elements.js';
import type { QuantFormat } from './format.js';
import { IntFormat, type IntBits } from './int.js';
import { densityFormat, type DensityMethod } from './density.js';
import { ScaledFormat, type ScaleRule } from './scaled.js';
import { latticeFormatFromId } from '../lattice/registry.js';

/**
 * Format ids:
 *  - `int<b>[-asym]-g<size|row>[-f32]`: absmax / min–max INT, e.g. `int4-g32`, `int4-asym-g128`;
 *  - `<e2m1|e2m3|e3m2|e4m3|e5m2>-g<size|row>[-f32]`: FP-absmax groups, e.g. `e2m1-g32`;
 *  - `mxfp4`, `mxfp6-e2m3`, `mxfp6-e3m2`, `mxfp8-e4m3`, `mxfp8-e5m2`, `mxint8`: OCP MX (block 32, E8M0);
 *  - `nvfp4`: E2M1 in blocks of 16 with E4M3 block scales and an f32 tensor scale;
 *  - `nf4-g<size|row>[-f32]`: QLoRA NF4 with an absmax scale (QLoRA's block is 64);
 *  - `sq<K>-<opt|cp|wl|mm>-r<ρ>`, `sq<K>-lm`: K-level matmul-optimal / Lloyd–Max codebooks with a per-row σ
 *    scale (density.ts), e.g. `sq16-opt-r0.9`;
 *  - `<e8|d4|d8|z<n>>-q<q>-k<k>[-norot|-s<seed>]`, `…-b<β_β_…>`: nested-lattice Voronoi codes with a Hadamard
 *    rotation and k fitted (or given) scalings (lattice/format.ts), e.g. `e8-q14-k4`.
 * Scales are f16 unless the id ends in `-f32`.
 */
const INT_ID = /^int(\d+)(-asym)?-g(\d+|row)(-f32)?$/;
const SCALED_ID = /^(e2m1|e2m3|e3m2|e4m3|e5m2|nf4)-g(\d+|row)(-f32)?$/;
const DENSITY_ID = /^sq(\d+)-(opt|cp|lm|wl|mm)(?:-r(-?[0-9.]+))?$/;
const MX: Readonly<Record<string, ElementCodec>> = {
  mxfp4: E2M1,
  'mxfp6-e2m3': E2M3,
  'mxfp6-e3m2': E3M2,
  'mxfp8-e4m3': E4M3,
  'mxfp8-e5m2': E5M2,
  mxint8: MXINT8,
};

const cache = new Map<string, QuantFormat>();

function build(id: string): QuantFormat {
  let m = INT_ID.exec(id);
  if (m) {
    return new IntFormat({ bits: Number(m[1]) as IntBits, symmetric: !m[2], group: m[3] === 'row' ? 'row' : Number(m[3]), scale: m[4] ? 'f32' : 'f16' });
  }
  m = SCALED_ID.exec(id);
  if (m) {
    const codec = m[1] === 'nf4' ? NF4 : MINIFLOATS[m[1]];
    const scale: ScaleRule = m[3] ? 'f32' : 'f16';
    return new ScaledFormat(id, codec, m[2] === 'row' ? 'row' : Number(m[2]), scale);
  }
  const mx = Object.hasOwn(MX, id) ? MX[id] : undefined;
  if (mx) return new ScaledFormat(id, mx, 32, 'e8m0');
  if (id === 'nvfp4') return new ScaledFormat(id, E2M1, 16, 'nvfp4');
  m = DENSITY_ID.exec(id);
  if (m) {
    const method = m[2] as DensityMethod;
    if ((method === 'lm') !== (m[3] === undefined)) throw new FormatError(`format '${id}': give -r<ρ> for every method but lm (e.g. 'sq16-opt-r0.9', 'sq16-lm')`);
    const f = densityFormat(Number(m[1]), method, m[3] === undefined ? 0 : Number(m[3]));
    if (f.id !== id) throw new FormatError(`format '${id}': write it as '${f.id}'`);
    return f;
  }
  const lattice = latticeFormatFromId(id);
  if (lattice) return lattice;
  throw new FormatError(
    `unknown format id '${id}'; expected e.g. 'int4-g32', 'int4-asym-g128', 'e2m1-g32', 'e4m3-g32-f32', 'mxfp4', 'mxfp6-e2m3', 'mxfp8-e4m3', 'mxint8', 'nvfp4', 'nf4-g64', 'sq16-opt-r0.9', 'e8-q14-k4', 'd4-q16-k4'`,
  );
}

/**
 * The format of an id string (see the grammar above), cached per id. Throws FormatError naming what is wrong.
 *
 * @example
 * ```ts
 * parseFormat('int4-g32').layout(4096).bitsPerEntry; // 4.5
 * ```
 */
export function parseFormat(id: string): QuantFormat {
  let f = cache.get(id);
  if (!f) {
    f = build(id);
    cache.set(id, f);
  }
  return f;
}

/** Accepts a format object or an id string. */
export function resolveFormat(f: QuantFormat | string): QuantFormat {
  return typeof f === 'string' ? parseFormat(f) : f;
}

/** One id per format family member, for tests, the bench and the demo. */
export const SCALED_FORMAT_IDS: readonly string[] = [
  'e2m1-g32',
  'e2m1-g16',
  'e2m3-g32',
  'e3m2-g32',
  'e4m3-g32',
  'e5m2-g32',
  ...Object.keys(MX),
  'nvfp4',
  'nf4-g64',
  'sq16-opt-r0.9',
  'sq16-lm',
  'sq4-mm-r0.9',
  'sq256-cp-r0.5',
];
export { E2M1, E2M3, E3M2, E4M3, E5M2, MXINT8, NF4 };
