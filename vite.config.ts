import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// One vite project serves the demo (index.html), the kernel-test page and the benchmark page.
const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './', // relative asset URLs: the built site works from any static server and any path
  build: {
    target: 'es2022',
    rollupOptions: {
      input: {
        demo: resolve(here, 'index.html'),
        kernels: resolve(here, 'kernels-test/index.html'),
        bench: resolve(here, 'bench/index.html'),
        benchGpu: resolve(here, 'bench/gpu.html'),
      },
    },
  },
  server: { host: '127.0.0.1' },
});
