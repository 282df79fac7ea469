import { onTestFailed } from 'vitest';
import { Rng } from '../src/reference/random.js';

/** A fresh seeded RNG per test (TEST_SEED reproduces); the seed is printed if the test fails. */
export function seededRng(): Rng {
  const seed =
    process.env.TEST_SEED !== undefined ? Number(process.env.TEST_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  onTestFailed(() => console.log(`[seed] this test used seed ${seed}; rerun with TEST_SEED=${seed}`));
  return new Rng(seed);
}
