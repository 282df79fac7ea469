/**
 * Block-LDLQ onto a nested-lattice format (E8 and friends, as NestQuant does for weights): block SIC
 * (block-sic.ts) over the format's n-entry blocks of the coding domain (Hadamard-rotated, padded rows),
 * each block coded by the format's own block coder with the row's σ (fixed from the unquantized row, as
 * encode does). The result is an ordinary QuantizedMatrix of the format: every kernel multiplies it.
 */
import { ShapeError } from '../errors.js';
import type { QuantizedMatrix } from '../formats/format.js';
import type { NestedLatticeFormat } from '../lattice/format.js';
import { blockSic, codingDomainCovariance } from './block-sic.js';

/**
 * Block-LDLQ onto a nested-lattice format: SIC over 8-entry blocks in the format's rotated domain, each block coded by
 * the format's own coder.
 */
export function blockLdlq(
  W: Float64Array,
  a: number,
  K: number,
  sigma: Float64Array,
  format: NestedLatticeFormat,
  percdamp = 0.01,
): QuantizedMatrix {
  if (W.length !== a * K) throw new ShapeError(`W has ${W.length} entries, expected ${a}×${K}`);
  const n = format.n;
  const y = format.toCodingDomain({ rows: a, cols: K, data: Float32Array.from(W) });
  const { S, Kp } = codingDomainCovariance(sigma, K, (m) => format.toCodingDomain(m), percdamp);
  const sigmas = Float32Array.from({ length: a }, (_, r) => format.rowSigma(y.data, r * Kp, Kp));
  const blocks = Kp / n;
  const digits = new Array<number>(a * Kp).fill(0);
  const indices = new Array<number>(a * blocks).fill(0);
  const starts = Array.from({ length: blocks }, (_, b) => b * n);
  blockSic(y, S, starts, (r, b, _j0, v) => {
    const c = format.codeBlock(v, sigmas[r]);
    indices[r * blocks + b] = c.index;
    for (let i = 0; i < n; i++) digits[r * Kp + b * n + i] = c.digits[i];
    return c.decoded;
  });
  return format.assemble(a, K, sigmas, digits, indices);
}
