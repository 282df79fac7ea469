import { describe, expect, test } from 'vitest';
import { roundDivExact, roundDivExactSigned, QUOTIENT_CAP } from '../src/formats/rounding.js';
import { seededRng } from './seed.js';

/** Exact RNE(a/s) with BigInt rationals: a = ma·2^ea, s = ms·2^es (f32 values). */
function exactRne(a: number, s: number): number {
  // Any f32 times 2^149 is an integer, exactly representable as a double and as a BigInt.
  const an = BigInt(a * 2 ** 149);
  const sn = BigInt(s * 2 ** 149);
  const q = an / sn;
  const r = an - q * sn;
  const twice = 2n * r;
  let res = q;
  if (twice > sn || (twice === sn && q % 2n === 1n)) res = q + 1n;
  return Math.min(Number(res), QUOTIENT_CAP);
}

describe('exact round-to-nearest-even of a quotient', () => {
  test('matches BigInt arithmetic on random and constructed midpoint inputs', () => {
    const rng = seededRng();
    for (let i = 0; i < 50000; i++) {
      const s = Math.fround(Math.exp(rng.normal() * 4));
      let a: number;
      const kind = i % 4;
      const j = rng.int(0, 300);
      if (kind === 0) a = Math.fround(rng.uniform() * 300 * s);
      else a = Math.fround((j + 0.5) * s); // at (or within rounding of) a midpoint
      if (kind === 2) a = Math.fround(a * (1 + 2 ** -23));
      if (kind === 3) a = Math.fround(a * (1 - 2 ** -23));
      expect(roundDivExact(a, s), `a=${a} s=${s}`).toBe(exactRne(a, s));
    }
  });

  test('ties go to even, sign is symmetric', () => {
    expect(roundDivExact(2.5, 1)).toBe(2);
    expect(roundDivExact(3.5, 1)).toBe(4);
    expect(roundDivExact(0.75, 0.5)).toBe(2); // 1.5 → 2
    expect(roundDivExactSigned(-2.5, 1)).toBe(-2);
    expect(roundDivExactSigned(-7.49, 1)).toBe(-7);
  });
});
