import type { GpuBenchOptions, GpuBenchRow } from './gpu-rows.js';
import type { BenchOptions, BenchRow } from './rows.js';
import type { TrellisBenchOptions, TrellisBenchRow } from './trellis-rows.js';
import type { UniversalBenchOptions, UniversalBenchRow } from './universal-rows.js';

// What the benchmark pages put on window for their Node runners (bench/run.mjs, bench/gpu.mjs).
declare global {
  interface Window {
    runBench: (opts: BenchOptions) => Promise<BenchRow[]>;
    runGpuBench: (opts: GpuBenchOptions) => Promise<GpuBenchRow[]>;
    runUniversal: (opts: UniversalBenchOptions) => Promise<UniversalBenchRow[]>;
    runTrellis: (opts: TrellisBenchOptions) => Promise<TrellisBenchRow[]>;
    __benchProgress?: (msg: string) => void;
    __ready?: boolean;
    __initError?: string;
  }
}
