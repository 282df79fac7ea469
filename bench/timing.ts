/** Timing helpers shared by the benchmark pages. */

/** Median of `reps` samples of `sample()`, after one untimed warm-up call (pipeline compilation, buffer pool). */
export async function medianAfterWarmup(reps: number, sample: () => Promise<number>): Promise<number> {
  await sample();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await sample());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Medians of every sampler's `reps` samples, taken in rounds (one sample of each per round, after one
 * untimed warm-up round): a slow spell of a shared machine then hits every candidate alike, so the
 * ratios between them hold even when absolute times drift.
 */
export async function interleavedMedians(
  reps: number,
  samplers: readonly (() => Promise<number>)[],
  onRound?: (round: number) => void,
): Promise<number[]> {
  const times: number[][] = samplers.map(() => []);
  for (let round = 0; round <= reps; round++) {
    onRound?.(round);
    for (let i = 0; i < samplers.length; i++) {
      const t = await samplers[i]();
      if (round > 0) times[i].push(t);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

/** Wall ms from calling `run` until `settle` resolves; what `run` returns is destroyed afterwards, untimed. */
export async function wallMs(
  // biome-ignore lint/suspicious/noConfusingVoidType: a timed run may leave nothing to free
  run: () => Promise<{ destroy(): void } | void>,
  settle: () => Promise<unknown>,
): Promise<number> {
  const t0 = performance.now();
  const out = await run();
  await settle();
  const t = performance.now() - t0;
  out?.destroy();
  return t;
}
