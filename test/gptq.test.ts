import { describe, expect, test } from 'vitest';
import { FormatError } from '../src/errors.js';
import { parseFormat } from '../src/formats/registry.js';
import { memorySink, memorySource } from '../src/io/byte-source.js';
import {
  type PackedLayout,
  type PackedLinear,
  packedToQuantized,
  quantizedToPacked,
  readPackedCheckpoint,
  writePackedCheckpoint,
} from '../src/io/gptq.js';
import { gaussianMatrix } from '../src/reference/random.js';
import { seededRng } from './seed.js';

/**
 * W[n, k] straight from the packed tensors by each layout's documented formula (docs/interop.md §5),
 * independent of the importer: the reference the import must reproduce.
 */
function dequantizePacked(p: PackedLinear, layout: PackedLayout, bits: number): Float32Array {
  const [groups, N] = p.scalesShape;
  const per = 32 / bits;
  const K = layout === 'awq' ? p.qweightShape[0] : p.qweightShape[0] * per;
  const g = K / groups;
  const order = [0, 2, 4, 6, 1, 3, 5, 7];
  const f = (w: number, i: number) => (w >>> (i * bits)) & (2 ** bits - 1);
  const out = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    const slot = layout === 'awq' ? order.indexOf(n % per) : n % per;
    for (let k = 0; k < K; k++) {
      const gi = Math.floor(k / g);
      const q =
        layout === 'awq'
          ? f(p.qweight[k * (N / per) + Math.floor(n / per)], slot)
          : f(p.qweight[Math.floor(k / per) * N + n], k % per);
      const z = f(p.qzeros[gi * (N / per) + Math.floor(n / per)], slot) + (layout === 'gptq' ? 1 : 0);
      out[n * K + k] = Math.fround(p.scales[gi * N + n] * (q - z));
    }
  }
  return out;
}

describe('GPTQ / AWQ checkpoints in (src/io/gptq.ts)', () => {
  test.each([
    ['gptq', 'int4-asym-g64'],
    ['gptq', 'int4-g128'],
    ['gptq-v2', 'int8-asym-g32'],
    ['gptq', 'int2-asym-g32'],
    ['awq', 'int4-asym-g64'],
  ] as const)(
    '%s with %s: written by our writer, read back as the same codes; values as the layout’s formula',
    async (layout, id) => {
      const rng = seededRng();
      const f = parseFormat(id);
      const w = gaussianMatrix(48, 256, rng);
      const q = f.encode(w);
      const packed = quantizedToPacked(q, layout);
      const bits = (f.params as { bits: number }).bits;
      expect(dequantizePacked(packed, layout, bits)).toEqual(f.decode(q).data);
      const sink = memorySink('ckpt.safetensors');
      await writePackedCheckpoint(sink, [['model.layers.0.mlp.up_proj', packed]]);
      const layers = await readPackedCheckpoint(
        memorySource(sink.bytes(), 'ckpt.safetensors'),
        layout === 'awq' ? 'gptq' : layout,
      );
      const back = layers.get('model.layers.0.mlp.up_proj')!;
      expect(back.format.id).toBe(id); // symmetric detected when every zero point is 2^(b−1)
      expect([back.codes, back.scales, back.aux]).toEqual([q.codes, q.scales, q.aux]);
    },
  );

  test('act-order g_idx, a 3-bit checkpoint and a zero point that cannot fit are refused by name', () => {
    const rng = seededRng();
    const f = parseFormat('int4-asym-g64');
    const p = quantizedToPacked(f.encode(gaussianMatrix(16, 128, rng)), 'gptq');
    const permuted = { ...p, gIdx: Int32Array.from(p.gIdx!, (_, k) => (k * 7) % 2) };
    expect(() => packedToQuantized(permuted, 'gptq', 'L')).toThrow(/L: g_idx\[\d+\] = \d+ is not ⌊k\/64⌋: act-order/);
    const threeBit = { ...p, qzerosShape: [2, 6] as [number, number], qzeros: new Uint32Array(12) };
    expect(() => packedToQuantized(threeBit, 'gptq', 'L')).toThrow(/12-bit codes|2, 4 or 8/);
    const full = { ...p, qzeros: p.qzeros.map(() => 0xffffffff) }; // v1 stores z − 1: 15 + 1 = 16
    expect(() => packedToQuantized(full, 'gptq', 'L')).toThrow(FormatError);
  });
});
