import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // wgsl_reflect's "main" is a CommonJS build inside a "type": "module" package, which Node cannot
    // load; its ES module build works everywhere.
    alias: [
      {
        find: /^wgsl_reflect$/,
        replacement: fileURLToPath(new URL('./node_modules/wgsl_reflect/wgsl_reflect.module.js', import.meta.url)),
      },
    ],
  },
  test: {
    // The three browser-test files wait on SwiftShader's single-threaded shader compiles and on
    // page-side JS for long stretches; running them side by side (each in its own page) fills the
    // second core.
    maxWorkers: 3,
    reporters: ['default', './tools/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'kernels',
          include: ['kernels-test/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['kernels-test/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          // One browser for the whole run; each file opens its own page (its own WebGPU device).
          fileParallelism: true,
        },
      },
    ],
  },
});
