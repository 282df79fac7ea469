/**
 * Rate–distortion panel data: every scheme family quantizes both operands on the GPU, multiplies on the
 * GPU, and its product NMSE is set against Γ(R) (both operands coded) at its bits/entry.
 */
import type { Engine } from '../src/engine.js';
import { FORMAT_FAMILIES } from '../src/formats/traits.js';
import { parseFormat } from '../src/formats/registry.js';
import { matmulF64 } from '../src/reference/matmul.js';
import { productNmse, sumSquares } from '../src/reference/metrics.js';
import { Rng } from '../src/reference/random.js';
import { gammaBound } from '../src/theory/gaussian.js';
import { checkAborted, drawOperands, type Distribution } from './inputs.js';

/** The panel's series: every family's, from the format table. */
const RD_FAMILIES: Readonly<Record<string, readonly string[]>> = Object.assign(
  {},
  ...FORMAT_FAMILIES.map((f) => f.rdSeries),
);

export interface RdRequest {
  dist: Distribution;
  M: number;
  K: number;
  N: number;
  seed: number;
  families?: readonly string[];
}

export interface RdPoint {
  family: string;
  format: string;
  bitsPerEntry: number;
  productNmse: number;
  /** Γ(R) at this rate. */
  gamma: number;
  /** Rate gap to Γ: ½·log2(NMSE/Γ(R)) bits (what the scheme pays over the bound). */
  deltaR: number;
}

export async function measureRd(
  engine: Engine,
  req: RdRequest,
  onProgress?: (done: number, total: number, format: string) => void,
  signal?: AbortSignal,
): Promise<RdPoint[]> {
  const rng = new Rng(req.seed);
  const { X, W } = await drawOperands(req.dist, req.M, req.K, req.N, rng);
  const K = X.cols;
  const exact = matmulF64(X, W);
  const ssX = sumSquares(X.data);
  const ssW = sumSquares(W.data);
  const jobs = Object.entries(RD_FAMILIES)
    .filter(([family]) => !req.families || req.families.includes(family))
    .flatMap(([family, ids]) => ids.map((format) => ({ family, format })));
  const points: RdPoint[] = [];
  for (const [i, { family, format }] of jobs.entries()) {
    checkAborted(signal);
    onProgress?.(i, jobs.length, format);
    const f = parseFormat(format);
    const xq = await engine.quantize(X, f);
    const wq = await engine.quantize(W, f);
    const y = await engine.matmul(xq, wq);
    const got = await engine.read(y);
    for (const b of [xq, wq, y]) b.destroy();
    const bitsPerEntry = f.layout(K).bitsPerEntry;
    const nmse = productNmse(got, exact, ssX, ssW, K);
    const gamma = gammaBound(bitsPerEntry);
    points.push({ family, format, bitsPerEntry, productNmse: nmse, gamma, deltaR: 0.5 * Math.log2(nmse / gamma) });
  }
  onProgress?.(jobs.length, jobs.length, '');
  return points;
}
