import { describe, expect, test } from 'vitest';
import { bitsToF32, f16BitsToF32, f32Bits, f32ToF16Bits } from '../src/formats/f16.js';
import { seededRng } from './seed.js';

describe('f16 conversion (RNE on the bit pattern)', () => {
  test('every finite f16 value round-trips exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      const v = f16BitsToF32(h);
      expect(Math.fround(v)).toBe(v); // representable in f32
      const back = f32ToF16Bits(v);
      // ±0 both map to themselves
      expect(back, `h=0x${h.toString(16)}`).toBe(h);
    }
  });

  test('midpoints between neighbours round to the even one; one ulp off goes to the nearer', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const a = f16BitsToF32(h);
      const b = f16BitsToF32(h + 1);
      const mid = (a + b) / 2; // exact in f32 (one more bit than f16)
      expect(f32ToF16Bits(mid)).toBe(h % 2 === 0 ? h : h + 1);
      const up = bitsToF32(f32Bits(mid) + 1);
      const down = bitsToF32(f32Bits(mid) - 1);
      if (mid > 0) {
        expect(f32ToF16Bits(up)).toBe(h + 1);
        expect(f32ToF16Bits(down)).toBe(h);
      }
    }
  });

  test('random f32 values go to the nearest f16 (brute force neighbours)', () => {
    const rng = seededRng();
    for (let i = 0; i < 20000; i++) {
      const x = Math.fround(Math.exp(rng.normal() * 6) * (rng.uniform() < 0.5 ? -1 : 1));
      const h = f32ToF16Bits(x);
      if (Math.abs(x) >= 65520) {
        expect(h & 0x7fff).toBe(0x7c00);
        continue;
      }
      const v = f16BitsToF32(h);
      const err = Math.abs(v - x);
      for (const n of [h - 1, h + 1]) {
        if ((n & 0x7fff) >= 0x7c00 || n < 0) continue;
        if (((n ^ h) & 0x8000) !== 0) continue;
        expect(err).toBeLessThanOrEqual(Math.abs(f16BitsToF32(n) - x));
      }
    }
  });

  test('overflow saturates to ±Inf, tiny values to ±0', () => {
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(65519.99)).toBe(0x7bff);
    expect(f32ToF16Bits(65520)).toBe(0x7c00);
    expect(f32ToF16Bits(-1e30)).toBe(0xfc00);
    expect(f32ToF16Bits(2 ** -26)).toBe(0);
    expect(f32ToF16Bits(2 ** -25 * 1.0001)).toBe(1);
  });
});
