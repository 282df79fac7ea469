import type { GpuBenchOptions, GpuBenchRow } from '../bench/gpu-rows.js';
import type { BenchOptions, BenchRow } from '../bench/rows.js';
import type { KernelSuite } from './protocol.js';

declare global {
  interface Window {
    kernelSuite: KernelSuite;
    runBench: (opts: BenchOptions) => Promise<BenchRow[]>;
    runGpuBench: (opts: GpuBenchOptions) => Promise<GpuBenchRow[]>;
    __ready?: boolean;
    __initError?: string;
  }
}
