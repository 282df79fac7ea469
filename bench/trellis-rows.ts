/**
 * bench:trellis — ΔR of the trellis family on iid N(0,1) beside the lattice and scalar formats (docs/trellis.md):
 * CPU encode (the Viterbi search has no GPU twin yet), everything counted at the row length K.
 */
import type { QuantFormat } from '../src/formats/format.js';
import { parseFormat } from '../src/formats/registry.js';
import { NestedLatticeFormat } from '../src/lattice/format.js';
import { mse } from '../src/reference/metrics.js';
import { gaussianMatrix, Rng } from '../src/reference/random.js';

export interface TrellisBenchOptions {
  /** Format ids; default: trellis at 2, 3, 4 bits, E8 and scalar formats at about those rates. */
  formats?: string[];
  /** Rows and row length of the N(0,1) sample; default 4 × 4096. */
  rows?: number;
  K?: number;
  seed?: number;
}

export interface TrellisBenchRow {
  format: string;
  family: string;
  K: number;
  samples: number;
  /** Stored bits per entry, everything counted (σ, start states, padding). */
  bitsPerEntry: number;
  /** Bits per entry of the codes alone (trellis: k; E8: log₂q + index bits/8; scalar: the code width + scales). */
  informationRate: number;
  mse: number;
  /** ½·log₂(mse / 2^{−2R}) at the stored rate and at the information rate. */
  deltaR: number;
  deltaRInformation: number;
  /** CPU encode time per 1,000 weights. */
  encodeMsPer1k: number;
}

const DEFAULT_TRELLIS_FORMATS = [
  'tcq2-l16',
  'tcq3-l16',
  'tcq3-l18',
  'tcq4-l16',
  'tcq4-l18',
  'tcq4-l20', // ≈ 2 minutes of search here: the 4-bit row within 0.1 bit
  'e8-q4-k4',
  'e8-q7-k4',
  'e8-q14-k4',
  'int2-g32',
  'int3-g32',
  'int4-g32',
  'nf4-g64',
];

/** The rate of the codes without per-row side information (σ, start states) and word padding. */
function informationRate(f: QuantFormat, K: number): number {
  if (f instanceof NestedLatticeFormat) return Math.log2(f.q) + f.indexBits / f.n;
  const p = f.params as { kind?: string; k?: number };
  if (p.kind === 'trellis') return p.k!;
  const l = f.layout(K);
  return (l.bitsPerRow.codes + l.bitsPerRow.scales + l.bitsPerRow.aux) / K;
}

export function runTrellisBench(o: TrellisBenchOptions, progress: (msg: string) => void): TrellisBenchRow[] {
  const rows = o.rows ?? 4;
  const K = o.K ?? 4096;
  const x = gaussianMatrix(rows, K, new Rng(o.seed ?? 20261205));
  return (o.formats ?? DEFAULT_TRELLIS_FORMATS).map((id) => {
    progress(id);
    const f = parseFormat(id);
    const t0 = performance.now();
    const q = f.encode(x);
    const ms = performance.now() - t0;
    const m = mse(f.decode(q).data, x.data);
    const R = f.layout(K).bitsPerEntry;
    const Ri = informationRate(f, K);
    return {
      format: id,
      family: f.family,
      K,
      samples: x.data.length,
      bitsPerEntry: R,
      informationRate: Ri,
      mse: m,
      deltaR: 0.5 * Math.log2(m / 2 ** (-2 * R)),
      deltaRInformation: 0.5 * Math.log2(m / 2 ** (-2 * Ri)),
      encodeMsPer1k: (ms / x.data.length) * 1000,
    };
  });
}
