import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// One vite project serves the demo (index.html), the kernel-test page and the benchmark page.
export default defineConfig({
  root: __dirname,
  build: {
    target: 'es2022',
    rollupOptions: {
      input: {
        demo: resolve(__dirname, 'index.html'),
        kernels: resolve(__dirname, 'kernels-test/index.html'),
        bench: resolve(__dirname, 'bench/index.html'),
        benchGpu: resolve(__dirname, 'bench/gpu.html'),
      },
    },
  },
  server: { host: '127.0.0.1' },
});
