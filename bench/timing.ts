/** Timing helpers shared by the benchmark pages. */

/** Median of `reps` samples of `sample()`, after one untimed warm-up call (pipeline compilation, buffer pool). */
export async function medianAfterWarmup(reps: number, sample: () => Promise<number>): Promise<number> {
  await sample();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await sample());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Wall ms from calling `run` until `settle` resolves; what `run` returns is destroyed afterwards, untimed. */
export async function wallMs(run: () => Promise<{ destroy(): void } | void>, settle: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  const out = await run();
  await settle();
  const t = performance.now() - t0;
  out?.destroy();
  return t;
}
