import { describe, expect, test } from 'vitest';
import { FormatError } from '../src/errors.js';
import { parseFormat } from '../src/formats/registry.js';
import { optimizeBetas } from '../src/lattice/betas.js';
import { BlockCoder, FIXED_POINT } from '../src/lattice/block-coder.js';
import { densePacking, fieldPacking } from '../src/lattice/digit-packing.js';
import { reciprocalSigma, RECIP11 } from '../src/formats/rounding.js';
import { indexEntropyPerEntry, NestedLatticeFormat } from '../src/lattice/format.js';
import { D4, E8, integer } from '../src/lattice/lattices.js';
import { voronoiDecodeTwice, voronoiEncodeTwice } from '../src/lattice/voronoi.js';
import { gaussianMatrix, outlierColumnsMatrix } from '../src/reference/random.js';
import { matmulF64 } from '../src/reference/matmul.js';
import { hadamardRotation, hadamardShape, rotateRows, unrotateRows } from '../src/transforms/hadamard.js';
import { seededRng } from './seed.js';

const mse = (a: Float32Array, b: Float32Array) => {
  let e = 0;
  for (let i = 0; i < a.length; i++) e += (a[i] - b[i]) ** 2;
  return e / a.length;
};

describe('random Hadamard rotation along K', () => {
  test.each([
    [4096, 4096, 4096],
    [11008, 11008, 256],
    [14336, 14336, 2048],
    [1000, 1024, 1024],
    [33, 40, 8],
    [7, 8, 8],
    [100, 112, 16],
    [480, 512, 512],
    [120, 128, 128],
  ])('K = %i → Kp = %i, chunk h = %i', (K, Kp, h) => {
    expect(hadamardShape(K)).toEqual({ Kp, h });
  });

  test.each([1000, 33, 512, 7])(
    'K = %i: orthogonal (inner products kept, padding never leaks), inverse undoes it',
    (K) => {
      const rng = seededRng();
      const a = gaussianMatrix(5, K, rng);
      const b = gaussianMatrix(3, K, rng);
      const r = hadamardRotation(K, rng.u32());
      const ra = rotateRows(a, r);
      const rb = rotateRows(b, r);
      expect(ra.cols).toBe(r.Kp);
      const c = matmulF64(a, b);
      const cr = matmulF64(ra, rb);
      for (let i = 0; i < c.length; i++) expect(Math.abs(cr[i] - c[i])).toBeLessThan(1e-4 * Math.sqrt(K));
      const back = unrotateRows(ra, r);
      expect(mse(back.data, a.data)).toBeLessThan(1e-12);
      // the rotation really mixes: an outlier column is spread over its chunk
      const spike = { rows: 1, cols: K, data: new Float32Array(K) };
      spike.data[0] = 1;
      const rs = rotateRows(spike, r);
      const nonzero = Array.from(rs.data).filter((v) => v !== 0).length;
      expect(nonzero).toBe(r.h);
    },
  );

  test('different seeds give different sign patterns', () => {
    expect(Array.from(hadamardRotation(256, 1).signBits)).not.toEqual(Array.from(hadamardRotation(256, 2).signBits));
  });
});

describe('fast block coder agrees with the plain Voronoi code', () => {
  test.each([
    ['E8', 14, E8],
    ['E8', 3, E8],
    ['D4', 16, D4],
    ['Z8', 5, integer(8)],
  ] as const)('%s, q = %i, on 2·10^4 fixed-point blocks (incl. ties and overloads)', (_, q, lattice) => {
    const rng = seededRng();
    const coder = new BlockCoder(lattice, q);
    for (let i = 0; i < 20_000; i++) {
      const spread = [0.5, 2, q, 3 * q][i % 4];
      const t = Array.from(
        { length: lattice.dim },
        () => Math.round(rng.normal() * spread * FIXED_POINT) & (i % 5 === 0 ? ~127 : ~0),
      );
      coder.encode(t);
      const y = lattice.closestTwice(t, FIXED_POINT);
      const ref = voronoiEncodeTwice(lattice, y, q);
      expect(Array.from(coder.digits)).toEqual(ref.codes);
      expect(coder.overload).toBe(ref.overload);
      expect(Array.from(coder.decodedTwice)).toEqual(ref.overload ? voronoiDecodeTwice(lattice, ref.codes, q) : y);
    }
  });
});

describe('nested-lattice matrix format (docs/lattice.md §4)', () => {
  test('exact reciprocal of an 11-bit σ', () => {
    const rng = seededRng();
    for (let i = 0; i < 1000; i++) {
      const M = 1024 + rng.int(0, 1023);
      const sigma = M * 2 ** rng.int(-70, 40);
      expect(reciprocalSigma(sigma)).toBe(Math.fround(1 / sigma));
    }
    expect(RECIP11).toHaveLength(1024);
  });

  test(
    'bits/entry counts codes, β indices, σ and padding: e8-q14-k4 at K = 4096 is (512·31 + 512·2 + 32)/4096 ' +
      'rounded to words',
    () => {
      const f = parseFormat('e8-q14-k4') as NestedLatticeFormat;
      const l = f.layout(4096);
      expect(l.wordsPerRow).toEqual({ codes: 496, scales: 1, aux: 32 });
      expect(l.bitsPerEntry).toBeCloseTo((529 * 32) / 4096, 12);
      expect(f.nominalRate(4096)).toBeCloseTo(Math.log2(14) + 2 / 8 + 32 / 4096, 12);
      const { codes, scales, aux, padding } = l.bitsPerRow;
      expect(codes + scales + aux + padding).toBeCloseTo(529 * 32, 9);
      // K = 1000 is padded to Kp = 1024 by the rotation, and the padding is paid for
      expect(f.layout(1000).bitsPerEntry).toBeGreaterThan(f.layout(1024).bitsPerEntry);
      // q = 16 is a power of two: 4-bit digits, no mixed radix
      expect((parseFormat('e8-q16-b7') as NestedLatticeFormat).digits).toMatchObject({
        radix: false,
        fieldBits: 4,
        blockBits: 32,
      });
    },
  );

  test(
    'q = 14 with NestQuant’s activation β ≈ 6.45e−3 per entry (±2%), and the built-in optimiser does better ' +
      '(≤ 5.95e−3), on 2^20 blocks',
    () => {
      const rng = seededRng();
      // 2^23 samples = 2^20 E8 blocks: the rare overloaded blocks carry much of the optimised code's error, so
      // its MSE needs them all (at 2^18 blocks it measured 5.966e−3 on one seed, past the 5.95e−3 line)
      const x = gaussianMatrix(1024, 8192, rng);
      const act = new NestedLatticeFormat({
        lattice: 'E8',
        q: 14,
        betas: [3.5, 4.75, 6.875, 18.125],
        rotationSeed: null,
      });
      const mAct = mse(act.decode(act.encode(x)).data, x.data);
      expect(Math.abs(mAct / 6.452e-3 - 1)).toBeLessThan(0.02);
      const opt = parseFormat('e8-q14-k4') as NestedLatticeFormat;
      const mOpt = mse(opt.decode(opt.encode(x)).data, x.data);
      expect(mOpt).toBeLessThan(mAct);
      expect(mOpt).toBeLessThanOrEqual(5.95e-3);
      // ≤ 0.36 bit above 2^{−2R} at NestQuant's R = log₂14 + 2/8 (+ 32/K for σ, 0.004 here)
      expect(opt.nominalRate(8192) + 0.5 * Math.log2(mOpt)).toBeLessThanOrEqual(0.365);
      // entropy-coded β index costs less than the fixed 2 bits per block
      expect(indexEntropyPerEntry(opt, opt.encode(gaussianMatrix(16, 4096, rng)))).toBeLessThan(0.25);
    },
  );

  // The gain is second order (≈ 4·D² per product, 0.4–0.6 % of the error at q = 14), so the
  // sample must be large enough for it to stand well clear of sampling noise: 192×192 products
  // of length 4096 put it ≈ 6 standard deviations above zero.
  test('MMSE shrinkage lowers the error of a product of two E8-coded operands (192×192 products, K = 4096)', () => {
    const rng = seededRng();
    for (const id of ['e8-q14-k4', 'e8-q8-k4']) {
      const f = parseFormat(id) as NestedLatticeFormat;
      const X = gaussianMatrix(192, 4096, rng);
      const W = gaussianMatrix(192, 4096, rng);
      const Y = matmulF64(X, W);
      const Yh = matmulF64(f.decode(f.encode(X)), f.decode(f.encode(W)));
      const a2 = f.mmseShrinkage ** 2;
      const err = (s: number) => Y.reduce((acc, v, i) => acc + (v - s * Yh[i]) ** 2, 0);
      expect(f.mmseShrinkage).toBeLessThan(1);
      expect(err(a2)).toBeLessThan(err(1));
    }
  });

  test('optimiser fits β to the data it is given: wider β for heavier rows without rotation', () => {
    const rng = seededRng();
    const base = { lattice: 'E8', q: 14, rotationSeed: null };
    const g = optimizeBetas(base, 2, gaussianMatrix(128, 512, rng), { maxBlocks: 2048 });
    const heavy = outlierColumnsMatrix(128, 512, rng, 8, 20);
    const h = optimizeBetas(base, 2, heavy, { maxBlocks: 2048 });
    expect(h.betas[1]).toBeGreaterThan(g.betas[1]);
    expect(g.usage.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  test('rotation rescues outlier columns: much lower error than the same code without it', () => {
    const rng = seededRng();
    const x = outlierColumnsMatrix(64, 1024, rng, 4, 50);
    const rot = parseFormat('e8-q14-k4') as NestedLatticeFormat;
    const norot = parseFormat('e8-q14-k4-norot') as NestedLatticeFormat;
    const eRot = mse(rot.decode(rot.encode(x)).data, x.data);
    const eNo = mse(norot.decode(norot.encode(x)).data, x.data);
    expect(eRot).toBeLessThan(eNo / 2);
  });

  test('zero rows decode to zero; shapes K not a multiple of 8 round-trip with bounded error', () => {
    const rng = seededRng();
    for (const K of [1, 7, 33, 1000]) {
      const x = gaussianMatrix(3, K, rng);
      x.data.fill(0, 0, K);
      const f = parseFormat('e8-q14-k4') as NestedLatticeFormat;
      const d = f.decode(f.encode(x));
      expect(d.cols).toBe(K);
      for (let k = 0; k < K; k++) expect(d.data[k] === 0).toBe(true);
      expect(mse(d.data.subarray(K), x.data.subarray(K))).toBeLessThan(0.05);
    }
  });

  test('bad parameters are typed errors', () => {
    expect(() => new NestedLatticeFormat({ lattice: 'E8', q: 1, betas: [4], rotationSeed: null })).toThrow(FormatError);
    expect(() => new NestedLatticeFormat({ lattice: 'E8', q: 14, betas: [4.01], rotationSeed: null })).toThrow(
      /multiple of 1\/16/,
    );
    expect(() => new NestedLatticeFormat({ lattice: 'E8', q: 14, betas: [5, 4], rotationSeed: null })).toThrow(
      /ascending/,
    );
    expect(() => new NestedLatticeFormat({ lattice: 'D5', q: 14, betas: [4], rotationSeed: 1 })).toThrow(
      /power-of-two/,
    );
    expect(() => parseFormat('e8-q300-k4')).toThrow(FormatError);
    expect(() =>
      (parseFormat('e8-q14-k4') as NestedLatticeFormat).encode({
        rows: 1,
        cols: 8,
        data: new Float32Array([1, 2, 3, 4, 5, 6, 7, 2 ** 57]),
      }),
    ).toThrow(FormatError);
  });

  test('dense digit packing: digits round-trip (q = 5, 6, 7, 13, 14); the same code, rate ≤ info + 0.02', () => {
    const rng = seededRng();
    for (const q of [5, 6, 7, 13, 14]) {
      const p = densePacking(q, 8);
      const plainRow = fieldPacking(q, 8);
      for (const Kp of [8, 24, 1000, 4096]) {
        const digits = Array.from({ length: Kp }, () => rng.int(0, q - 1));
        digits.fill(q - 1, 0, 16); // the largest pair value
        const codes = new Uint32Array(Math.ceil(p.rowBits(Kp) / 32) + 2).fill(0);
        codes[codes.length - 1] = 0xdeadbeef; // a neighbour the row must not touch
        p.pack(digits, Kp, codes, 1);
        expect(codes[0]).toBe(0);
        expect(codes[codes.length - 1]).toBe(0xdeadbeef);
        const back = new Array<number>(Kp);
        p.unpack(codes, 1, Kp, back, 0);
        expect(back).toEqual(digits);
        expect(p.rowBits(Kp)).toBeLessThanOrEqual(plainRow.rowBits(Kp));
        // m = 7: 16 digits in 45 bits (0.005 bit per digit over log₂q; a lone last block aside)
        if (q % 7 === 0) expect(p.rowBits(Kp) / Kp - Math.log2(q)).toBeLessThan(0.006 + 24 / Kp);
      }
    }
    // a field past m^16 (only a corrupt stream has one) is refused by name
    const p14 = densePacking(14, 8);
    const bad = new Uint32Array(Math.ceil(p14.rowBits(16) / 32)).fill(0xffffffff);
    expect(() => p14.unpack(bad, 0, 16, new Array<number>(16), 3)).toThrow(/corrupt lattice code at row 3, block 1/);
    expect(() => densePacking(16, 8)).toThrow(/odd factor/);
    expect(() => densePacking(15, 8)).toThrow(/2\^31/);
    expect(() => parseFormat('e8-q16-k4-dense')).toThrow(/odd factor/);
    expect(() => parseFormat('e8-q30-k4-dense')).toThrow(/2\^31/);
    expect(() => parseFormat('e8-q14-k4-u1-dense')).toThrow(/universal/);
    // the same code as e8-q14-k4, packed closer to its information rate (log₂14 + 2/8 per entry)
    const plain = parseFormat('e8-q14-k4') as NestedLatticeFormat;
    const dense = parseFormat('e8-q14-k4-dense') as NestedLatticeFormat;
    const x = gaussianMatrix(2, 1024, rng);
    expect(dense.decode(dense.encode(x)).data).toEqual(plain.decode(plain.encode(x)).data);
    const info = Math.log2(14) + 2 / 8;
    expect(plain.layout(4096).bitsPerEntry - info).toBeGreaterThan(0.07);
    expect(dense.layout(4096).bitsPerEntry - info).toBeLessThan(0.02);
  });
});
