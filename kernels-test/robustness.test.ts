/**
 * GPU-side robustness (its own page and device, so it runs beside the long kernel file): typed errors,
 * device loss between and during calls, and 1,000 allocate-and-free cycles that must not grow the
 * engine's GPU memory.
 */
import { describe, test } from 'vitest';
import { runCase } from './harness.js';

describe('bad input, device loss and GPU memory', () => {
  test(
    'typed errors with clear messages; DeviceLostError ' + '(also when lost mid-run), then a new engine works',
    async () => {
      await runCase('errors', {});
    },
  );
  test('1,000 quantize → matmul → destroy cycles keep the engine’s live and pooled GPU bytes flat', async () => {
    const r = await runCase('memory', { cycles: 1000 });
    console.log(`[memory] ${JSON.stringify(r.info)}`);
  });
});
