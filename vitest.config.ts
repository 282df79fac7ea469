import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'kernels',
          include: ['kernels-test/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['kernels-test/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          // One browser and one SwiftShader device for the whole run: run the files one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
