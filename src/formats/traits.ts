/**
 * The format table: one registration per format family (the ggml lesson: one row per quant type). A
 * registration says how to read an id of the family, which members the tests, benches, demo and CLI
 * use, where the family's hard inputs are, and what the theory predicts for it. The format objects
 * themselves carry the layout, the CPU encode/decode and the WGSL snippet (formats/format.ts).
 * Everything that lists formats derives from FORMAT_FAMILIES; docs/adding-a-format.md walks through
 * adding a family.
 */
import { FormatError } from '../errors.js';
import { latticeBoundaryInput } from '../lattice/boundary.js';
import type { NestedLatticeFormat } from '../lattice/format.js';
import { LATTICE_ID, latticeFormatFromId } from '../lattice/registry.js';
import type { Matrix } from '../matrix.js';
import type { Rng } from '../reference/random.js';
import {
  absmaxGridHeuristicMse,
  intAbsmaxHeuristicMse,
  intMinMaxHeuristicMse,
  mxHeuristicMse,
} from '../theory/highrate.js';
import { intBoundaryInput, rmsBoundaryInput, scaledBoundaryInput } from './boundary.js';
import { densityFormat, densityFormatId, marginalMse, type DensityMethod } from './density.js';
import { E2M1, E2M3, E3M2, E4M3, E5M2, MINIFLOATS, MXINT8, NF4, type ElementCodec } from './elements.js';
import type { QuantFormat } from './format.js';
import { GROUP_SIZES, INT_BITS, IntFormat, intFormatId, type IntBits } from './int.js';
import { GGML_FORMAT_IDS, GgmlFormat, ggmlBoundaryInput, ggmlFormatName } from './ggml/format.js';
import { ScaledFormat } from './scaled.js';
import { trellisFormatFromId, TRELLIS_ID } from './trellis/registry.js';
import type { TrellisFormat } from './trellis/format.js';

/** A nominal-rate scheme: what `--format <name> --rate R` means (rate → format id). */
export interface Scheme {
  readonly what: string;
  readonly rates: Readonly<Record<number, string>>;
}

/** One format family's registration. */
export interface FormatFamily<F extends QuantFormat = QuantFormat> {
  /** The name members carry in `format.family`. */
  readonly name: string;
  /** One line: what the family is. */
  readonly title: string;
  /** The id grammar, e.g. `int<b>[-asym]-g<size|row>[-f32]`. */
  readonly grammar: string;
  /** The member an id names, null when the id is not of this family; a malformed member id is a FormatError. */
  parse(id: string): F | null;
  /** Members the quantize/dequantize tests sweep, each a different kind of member. */
  readonly examples: readonly string[];
  /** Rows of `npm run bench`, in order. */
  readonly benchIds: readonly string[];
  /** Weight formats `npm run bench:gpu` times by default. */
  readonly gpuBenchIds: readonly string[];
  /** Series of the demo's rate–distortion panel: label → ids. */
  readonly rdSeries: Readonly<Record<string, readonly string[]>>;
  /** `wqe --format <scheme> --rate R` schemes of this family. */
  readonly schemes: Readonly<Record<string, Scheme>>;
  /** Inputs on this member's decision boundaries (ties, subnormals, overloads) for the bit-exactness tests. */
  boundaryInput(format: F, rows: number, cols: number, rng: Rng): Matrix;
  /** The high-rate prediction of the per-entry MSE on iid N(0,1) rows of K entries, or null where there is none. */
  predictedMse(format: F, K: number): number | null;
}

const groupOf = (g: string) => (g === 'row' ? 'row' : Number(g));

/** Absmax FP / NF4 members of a group-scaled family: `<codec>-g<size|row>[-f32]`. */
function groupScaledParse(pattern: RegExp, codecOf: (name: string) => ElementCodec | undefined, family: string) {
  return (id: string): ScaledFormat | null => {
    const m = pattern.exec(id);
    const codec = m && codecOf(m[1]);
    return m && codec ? new ScaledFormat(id, codec, groupOf(m[2]), m[3] ? 'f32' : 'f16', family) : null;
  };
}

const absmaxPrediction = (f: ScaledFormat, K: number) =>
  absmaxGridHeuristicMse(f.layout(K).groupSize, f.codec.magnitudes());

const int: FormatFamily<IntFormat> = {
  name: 'int',
  title: 'absmax / min–max INT-b in groups along K, f16 or f32 scales',
  grammar: 'int<b>[-asym]-g<size|row>[-f32]',
  parse(id) {
    const m = /^int(\d+)(-asym)?-g(\d+|row)(-f32)?$/.exec(id);
    return (
      m &&
      new IntFormat({
        bits: Number(m[1]) as IntBits,
        symmetric: !m[2],
        group: groupOf(m[3]),
        scale: m[4] ? 'f32' : 'f16',
      })
    );
  },
  // Every member: b ∈ {2,3,4,5,6,8} × g ∈ {16,32,64,128,row} × {sym, asym} × {f16, f32} scales.
  examples: INT_BITS.flatMap((bits) =>
    GROUP_SIZES.flatMap((group) =>
      [true, false].flatMap((symmetric) =>
        (['f16', 'f32'] as const).map((scale) => intFormatId({ bits, group, symmetric, scale })),
      ),
    ),
  ),
  benchIds: [
    'int2-g32',
    'int3-g32',
    'int4-g16',
    'int4-g32',
    'int4-g64',
    'int4-g128',
    'int4-grow',
    'int4-g32-f32',
    'int4-asym-g32',
    'int4-asym-g128',
    'int5-g32',
    'int6-g32',
    'int8-g32',
  ],
  gpuBenchIds: ['int4-g32', 'int4-asym-g32', 'int8-g32'],
  rdSeries: { INT: ['int2-g32', 'int3-g32', 'int4-g32', 'int5-g32', 'int6-g32', 'int8-g32', 'int4-asym-g32'] },
  schemes: {
    int: {
      what: 'absmax INT, groups of 32 (f16 scales)',
      rates: { 2: 'int2-g32', 3: 'int3-g32', 4: 'int4-g32', 5: 'int5-g32', 6: 'int6-g32', 8: 'int8-g32' },
    },
    'int-asym': {
      what: 'min–max INT, groups of 32 (f16 scale and zero point)',
      rates: {
        2: 'int2-asym-g32',
        3: 'int3-asym-g32',
        4: 'int4-asym-g32',
        5: 'int5-asym-g32',
        6: 'int6-asym-g32',
        8: 'int8-asym-g32',
      },
    },
  },
  boundaryInput: intBoundaryInput,
  predictedMse: (f, K) =>
    (f.params.symmetric ? intAbsmaxHeuristicMse : intMinMaxHeuristicMse)(f.layout(K).groupSize, f.params.bits),
};

const fp: FormatFamily<ScaledFormat> = {
  name: 'fp',
  title: 'FP-absmax: minifloat elements (E2M1…E5M2) with an absmax f16/f32 scale per group',
  grammar: '<e2m1|e2m3|e3m2|e4m3|e5m2>-g<size|row>[-f32]',
  parse: groupScaledParse(/^(e2m1|e2m3|e3m2|e4m3|e5m2)-g(\d+|row)(-f32)?$/, (n) => MINIFLOATS.get(n), 'fp'),
  examples: [
    'e2m1-g32',
    'e2m1-g16',
    'e2m3-g32',
    'e3m2-g32',
    'e4m3-g32',
    'e5m2-g32',
    'e2m1-g32-f32',
    'e4m3-grow',
    'e5m2-g16-f32',
    'e3m2-g64',
  ],
  benchIds: ['e2m1-g16', 'e2m1-g32', 'e2m1-g32-f32', 'e2m3-g32', 'e3m2-g32', 'e4m3-g32', 'e5m2-g32'],
  gpuBenchIds: [],
  rdSeries: { FP: ['e2m1-g32', 'e2m3-g32', 'e3m2-g32', 'e4m3-g32'] },
  schemes: {},
  boundaryInput: scaledBoundaryInput,
  predictedMse: absmaxPrediction,
};

const MX_CODECS: ReadonlyMap<string, ElementCodec> = new Map<string, ElementCodec>([
  ['mxfp4', E2M1],
  ['mxfp6-e2m3', E2M3],
  ['mxfp6-e3m2', E3M2],
  ['mxfp8-e4m3', E4M3],
  ['mxfp8-e5m2', E5M2],
  ['mxint8', MXINT8],
]);

const mx: FormatFamily<ScaledFormat> = {
  name: 'mx',
  title: 'OCP microscaling: blocks of 32 elements sharing an E8M0 power-of-two scale',
  grammar: 'mxfp4 | mxfp6-e2m3 | mxfp6-e3m2 | mxfp8-e4m3 | mxfp8-e5m2 | mxint8',
  parse(id) {
    const codec = MX_CODECS.get(id);
    return codec ? new ScaledFormat(id, codec, 32, 'e8m0', 'mx') : null;
  },
  examples: [...MX_CODECS.keys()],
  benchIds: [...MX_CODECS.keys()],
  gpuBenchIds: ['mxfp4'],
  rdSeries: { MX: ['mxfp4', 'mxfp6-e2m3', 'mxfp8-e4m3', 'mxint8'] },
  schemes: {
    mx: {
      what: 'OCP microscaling (blocks of 32, E8M0 scales)',
      rates: { 4: 'mxfp4', 6: 'mxfp6-e2m3', 8: 'mxfp8-e4m3' },
    },
  },
  boundaryInput: scaledBoundaryInput,
  predictedMse: (f, K) => mxHeuristicMse(f.layout(K).groupSize, f.codec.magnitudes(), f.codec.emaxElem),
};

const nvfp4: FormatFamily<ScaledFormat> = {
  name: 'nvfp4',
  title: 'NVFP4: E2M1 in blocks of 16 with E4M3 block scales and an f32 tensor scale',
  grammar: 'nvfp4',
  parse: (id) => (id === 'nvfp4' ? new ScaledFormat(id, E2M1, 16, 'nvfp4', 'nvfp4') : null),
  examples: ['nvfp4'],
  benchIds: [],
  gpuBenchIds: ['nvfp4'],
  rdSeries: { NVFP4: ['nvfp4'] },
  schemes: { nvfp4: { what: 'NVFP4 (E2M1, blocks of 16, E4M3 scales, f32 tensor scale)', rates: { 4: 'nvfp4' } } },
  boundaryInput: scaledBoundaryInput,
  predictedMse: absmaxPrediction,
};

const nf4: FormatFamily<ScaledFormat> = {
  name: 'nf4',
  title: "QLoRA's NF4 codebook with an absmax scale per group",
  grammar: 'nf4-g<size|row>[-f32]',
  parse: groupScaledParse(/^(nf4)-g(\d+|row)(-f32)?$/, () => NF4, 'nf4'),
  examples: ['nf4-g64', 'nf4-g64-f32', 'nf4-g128'],
  benchIds: ['nf4-g64', 'nf4-g64-f32'],
  gpuBenchIds: ['nf4-g64'],
  rdSeries: { NF4: ['nf4-g64'] },
  schemes: { nf4: { what: 'QLoRA NF4, blocks of 64', rates: { 4: 'nf4-g64' } } },
  boundaryInput: scaledBoundaryInput,
  predictedMse: absmaxPrediction,
};

const sq: FormatFamily<ScaledFormat> = {
  name: 'sq',
  title: 'σ-scaled codebooks: the matmul-optimal point density and Lloyd–Max, one σ per row',
  grammar: 'sq<K>-<opt|cp|wl|mm>-r<ρ> | sq<K>-lm',
  parse(id) {
    const m = /^sq(\d+)-(opt|cp|lm|wl|mm)(?:-r(-?[0-9.]+))?$/.exec(id);
    if (!m) return null;
    const method = m[2] as DensityMethod;
    if ((method === 'lm') !== (m[3] === undefined))
      throw new FormatError(`format '${id}': give -r<ρ> for every method but lm (e.g. 'sq16-opt-r0.9', 'sq16-lm')`);
    const f = densityFormat(Number(m[1]), method, m[3] === undefined ? 0 : Number(m[3]));
    if (f.id !== id) throw new FormatError(`format '${id}': write it as '${f.id}'`);
    return f;
  },
  examples: ['sq16-opt-r0.9', 'sq16-lm', 'sq4-mm-r0.9', 'sq256-cp-r0.5'],
  benchIds: [
    'sq4-lm',
    'sq4-mm-r0.9',
    'sq8-lm',
    'sq8-opt-r0.9',
    'sq16-lm',
    'sq16-wl-r0.9',
    'sq16-opt-r0.9',
    'sq16-cp-r0.9',
    'sq32-opt-r0.9',
  ],
  gpuBenchIds: [],
  rdSeries: { 'optimal density': [4, 8, 16, 32].map((K) => densityFormatId(K, 'opt', 0)) },
  schemes: {
    sq: {
      what: 'Lloyd–Max codebook of 2^R levels, per-row σ scale',
      rates: { 2: 'sq4-lm', 3: 'sq8-lm', 4: 'sq16-lm', 5: 'sq32-lm', 6: 'sq64-lm', 8: 'sq256-lm' },
    },
  },
  boundaryInput: (_f, rows, cols, rng) => rmsBoundaryInput(rows, cols, rng),
  // σ-scaled codebooks: the Gaussian marginal MSE of the codebook, exact (σ estimated per row ≈ 1).
  predictedMse: (f) => marginalMse({ centers: [...f.codebook!], thresholds: f.codec.decisionPoints() }),
};

const lattice: FormatFamily<NestedLatticeFormat> = {
  name: 'lattice',
  title: 'nested-lattice (Voronoi) codes over E8, D_n, Z^n with a Hadamard rotation and k scalings',
  grammar:
    '<e8|d4|d8|z<n>>-q<q>-k<k>[-norot|-s<seed>] | …-q<q>-b<β_β_…>; either + -u<seed>[-nodither][-nocentre] or + -dense',
  parse: (id) => (LATTICE_ID.test(id) ? latticeFormatFromId(id) : null),
  examples: [
    'e8-q14-k4',
    'e8-q14-k4-norot',
    'e8-q8-b3.5_4.25_5.25_7.75_11-norot',
    'd4-q16-k4-norot',
    'z8-q6-b1.5_2.5-norot',
    'e8-q32-k2',
    'd4-q5-k3',
    'e8-q14-k4-u1', // the universal scheme (docs/universal.md)
    // dense digit packing (lattice/digit-packing.ts): CPU-encoded, decoded on the GPU; K = 1000 unrotated
    // is 125 blocks, so a lone last block; D4 with explicit β (no fit): the generic dense decode
    'e8-q14-k4-norot-dense',
    'd4-q6-b1.5_2.5-norot-dense',
  ],
  benchIds: ['z8-q16-k4', 'd4-q16-k4', 'e8-q16-k1', 'e8-q8-k4', 'e8-q14-k4', 'e8-q14-k4-norot', 'e8-q32-k4'],
  gpuBenchIds: ['e8-q14-k4'],
  rdSeries: {
    'E8 lattice': ['e8-q6-k4', 'e8-q8-k4', 'e8-q14-k4', 'e8-q16-k4'],
    'D4 lattice': ['d4-q16-k4'],
    'Z^n lattice': ['z8-q16-k4'],
  },
  schemes: {
    e8: {
      what: 'E8 nested-lattice code, Hadamard-rotated, 4 fitted scalings (q chosen for the rate)',
      rates: { 2: 'e8-q4-k4', 3: 'e8-q7-k4', 4: 'e8-q14-k4', 5: 'e8-q28-k4', 6: 'e8-q56-k4', 8: 'e8-q224-k4' },
    },
  },
  boundaryInput: latticeBoundaryInput,
  // The granular MSE needs the β usage of the data (latticeGranularMse); no data-free prediction.
  predictedMse: () => null,
};

/** Trellis-coded quantization (docs/trellis.md): a bitshift trellis searched by Viterbi, a computed code. */
const trellis: FormatFamily<TrellisFormat> = {
  name: 'trellis',
  title: 'trellis-coded quantization: bitshift trellis of L-bit states, k bits per weight, 1MAD computed code',
  grammar: 'tcq<k>-l<L>[-g<gain>][-norot|-s<seed>]',
  parse: (id) => (TRELLIS_ID.test(id) ? trellisFormatFromId(id) : null),
  examples: ['tcq2-l12', 'tcq3-l10-norot', 'tcq4-l9-g0.98'],
  // The Viterbi search costs 2^L per weight (≈ 2 s per 4096 weights at L = 16 on the CPU here, about as
  // long on SwiftShader's GPU): the GPU-encoding benches and the demo's first-load measurement would take
  // hours at their sizes; bench:trellis measures the family (CPU and GPU search) on its own.
  benchIds: [],
  gpuBenchIds: [],
  rdSeries: {},
  schemes: {
    tcq: {
      what: 'trellis-coded, Hadamard-rotated, 16–18 state bits, k = the rate (a Viterbi search: slow on big models)',
      rates: { 2: 'tcq2-l16', 3: 'tcq3-l16', 4: 'tcq4-l18' },
    },
  },
  boundaryInput: (_f, rows, cols, rng) => rmsBoundaryInput(rows, cols, rng),
  predictedMse: () => null,
};

/** ggml's block types, stored as ggml stores them (docs/interop.md). */
const ggml: FormatFamily<GgmlFormat> = {
  name: 'ggml',
  title: "ggml's block types (llama.cpp / GGUF), bit-exact with ggml's quantizers and dequantizers",
  grammar: GGML_FORMAT_IDS.join(' | '),
  parse(id) {
    const name = ggmlFormatName(id);
    return name ? new GgmlFormat(name) : null;
  },
  examples: GGML_FORMAT_IDS,
  benchIds: GGML_FORMAT_IDS,
  gpuBenchIds: [],
  rdSeries: { 'ggml K': ['q2_K', 'q3_K', 'q4_K', 'q5_K', 'q6_K'], 'ggml IQ4': ['iq4_nl', 'iq4_xs'] },
  schemes: {
    'ggml-k': {
      what: "ggml's K-quants (super-blocks of 256, as llama-quantize writes them without an importance matrix)",
      rates: { 2: 'q2_K', 3: 'q3_K', 4: 'q4_K', 5: 'q5_K', 6: 'q6_K' },
    },
    ggml: { what: "ggml's 32-element types", rates: { 4: 'q4_0', 5: 'q5_0', 8: 'q8_0' } },
  },
  boundaryInput: ggmlBoundaryInput,
  predictedMse: () => null,
};

/** Every format family, in the order lists are shown (bench rows, schemes, demo series). */
export const FORMAT_FAMILIES: readonly FormatFamily[] = [int, fp, mx, nvfp4, nf4, sq, lattice, trellis, ggml];

/** The registration of a format's family. */
export function familyOf(format: QuantFormat): FormatFamily {
  const f = FORMAT_FAMILIES.find((x) => x.name === format.family);
  if (!f)
    throw new FormatError(
      `format ${format.id} names family '${format.family}', which is not registered in formats/traits.ts`,
    );
  return f;
}

/** The high-rate prediction of a format's per-entry MSE on iid N(0,1) rows of K entries (null where there is none). */
export function predictedMse(format: QuantFormat, K: number): number | null {
  return familyOf(format).predictedMse(format, K);
}

/** Inputs on the format's decision boundaries (its family's generator). */
export function boundaryInput(format: QuantFormat, rows: number, cols: number, rng: Rng): Matrix {
  return familyOf(format).boundaryInput(format, rows, cols, rng);
}
