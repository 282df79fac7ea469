import type { BenchOptions, BenchRow } from '../bench/rows.js';
import type { KernelSuite } from './protocol.js';

declare global {
  interface Window {
    kernelSuite: KernelSuite;
    runBench: (opts: BenchOptions) => Promise<BenchRow[]>;
    __ready?: boolean;
    __initError?: string;
  }
}
