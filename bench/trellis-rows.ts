/**
 * bench:trellis — ΔR of the trellis family on iid N(0,1) beside the lattice and scalar formats (docs/trellis.md),
 * everything counted at the row length K; CPU encode time and, for the trellis formats, the GPU search's time
 * (rows in parallel, ops/viterbi.ts) and whether its codes equal the CPU's word for word.
 */
import { createEngine, type Engine } from '../src/engine.js';
import type { QuantFormat } from '../src/formats/format.js';
import type { Matrix } from '../src/matrix.js';
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
  /** Also search the trellis formats on the GPU (default true). */
  gpu?: boolean;
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
  /** GPU encode time per 1,000 weights (trellis formats with L ≤ 16; the pipeline compiled beforehand), else null. */
  gpuEncodeMsPer1k: number | null;
  /** Whether the GPU's codes and scales equal the CPU encoder's word for word (where searched), else null. */
  gpuEqualsCpu: boolean | null;
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
  'e8-q7-k4-dense', // the same codes packed within 0.005 bit per digit of log₂q (docs/lattice.md §4)
  'e8-q14-k4-dense',
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

/** Largest state size the bench also searches on the GPU. */
const GPU_SEARCH_MAX_L = 16;

/** The GPU search of `x` into `id`: ms (after a one-row run that compiles the pipeline) and its codes. */
async function gpuEncode(engine: Engine, id: string, x: Matrix) {
  (await engine.quantize({ rows: 1, cols: 64, data: x.data.slice(0, 64) }, id)).destroy();
  const t0 = performance.now();
  const q = await engine.quantize(x, id);
  const read = await engine.readQuantized(q); // waits for the search
  const ms = performance.now() - t0;
  q.destroy();
  return { ms, read };
}

const wordsEqual = (a: Uint32Array, b: Uint32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

export async function runTrellisBench(
  o: TrellisBenchOptions,
  progress: (msg: string) => void,
): Promise<TrellisBenchRow[]> {
  const rows = o.rows ?? 4;
  const K = o.K ?? 4096;
  const x = gaussianMatrix(rows, K, new Rng(o.seed ?? 20261205));
  const engine = (o.gpu ?? true) ? await createEngine() : null;
  const out: TrellisBenchRow[] = [];
  for (const id of o.formats ?? DEFAULT_TRELLIS_FORMATS) {
    progress(id);
    const f = parseFormat(id);
    const t0 = performance.now();
    const q = f.encode(x);
    const ms = performance.now() - t0;
    // (L > 16: the GPU search needs 2^{L−k}·k/8 bytes of back-pointers per weight of a row — 0.5 GB for
    // four rows of tcq4-l20 — and takes as long as the CPU's here: left to the CPU)
    const searchable = f.wgsl.viterbi && (f.wgsl.constants.L as number) <= GPU_SEARCH_MAX_L;
    const gpu = engine && searchable ? await gpuEncode(engine, id, x) : null;
    const m = mse(f.decode(q).data, x.data);
    const R = f.layout(K).bitsPerEntry;
    const Ri = informationRate(f, K);
    out.push({
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
      gpuEncodeMsPer1k: gpu ? (gpu.ms / x.data.length) * 1000 : null,
      gpuEqualsCpu: gpu ? wordsEqual(gpu.read.codes, q.codes) && wordsEqual(gpu.read.scales, q.scales) : null,
    });
  }
  engine?.destroy();
  return out;
}
