/**
 * bench:universal — the universal scheme's guarantee on adversarial pairs (docs/universal.md): every pair ×
 * scheme × rate, the error over the schemes' shared randomness against the Frobenius-norm bound. CPU only
 * (the GPU computes the same estimate bit for bit from the same codes: kernels-test/kernels.test.ts).
 */
import {
  adversarialPairs,
  guaranteeSchemes,
  measureGuarantee,
  type GuaranteeRow,
} from '../src/theory/universal-guarantee.js';

export interface UniversalBenchOptions {
  /** Inner dimension (row length); default 256. */
  n?: number;
  /** Rows of A and of B; default 16. */
  rows?: number;
  /** Trials of the randomised schemes; default 32. */
  trials?: number;
  /** E8 nesting ratios; default 5, 8, 14 (about 2.5, 3.4 and 4.4 bits). */
  q?: number[];
  /** Seed of the pairs; default 7. */
  seed?: number;
}

/** Scalar formats at about the rate of each E8 nesting ratio. */
const SCALAR: Readonly<Record<number, readonly string[]>> = {
  5: ['int2-g32'],
  8: ['int3-g32'],
  14: ['int4-g32', 'nf4-g64'],
};

export interface UniversalBenchRow extends GuaranteeRow {
  /** The E8 nesting ratio of the rate tier. */
  q: number;
  n: number;
  rows: number;
  seed: number;
}

export function runUniversalBench(o: UniversalBenchOptions, progress: (msg: string) => void): UniversalBenchRow[] {
  const n = o.n ?? 256;
  const rows = o.rows ?? 16;
  const trials = o.trials ?? 32;
  const seed = o.seed ?? 7;
  const pairs = adversarialPairs(n, rows, rows, seed);
  const out: UniversalBenchRow[] = [];
  for (const q of o.q ?? [5, 8, 14]) {
    for (const scheme of guaranteeSchemes(q, SCALAR[q] ?? [])) {
      progress(`q = ${q}: ${scheme.name}`);
      for (const pair of pairs) out.push({ ...measureGuarantee(pair, scheme, trials), q, n, rows, seed });
    }
  }
  return out;
}
