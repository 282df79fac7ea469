#!/usr/bin/env node
// wqe: the engine's command line (src/node/cli.ts). Runs the TypeScript sources through vite's SSR
// loader, so there is no separate build step.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHROMIUM_DIR = '/usr/lib/chromium';
// --swiftshader: run Dawn (the `webgpu` package) on Chromium's SwiftShader Vulkan driver, for machines
// without a GPU driver. Opt-in: in one Node process with SwiftShader built for Chromium, Dawn crashes
// intermittently (futex / std::system_error aborts), so the default there is the CPU reference.
if (process.argv.includes('--swiftshader') && !process.env.WQE_SWIFTSHADER) {
  const icd = path.join(CHROMIUM_DIR, 'vk_swiftshader_icd.json');
  if (!existsSync(icd)) {
    process.stderr.write(`wqe: --swiftshader needs Debian's Chromium (${icd}): apt-get update && apt-get install -y chromium\n`);
    process.exit(2);
  }
  // The Vulkan loader reads LD_LIBRARY_PATH at process start, so the settings need a fresh process.
  const env = { ...process.env, WQE_SWIFTSHADER: '1', VK_ICD_FILENAMES: icd, LD_LIBRARY_PATH: [CHROMIUM_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  const r = spawnSync(process.execPath, process.argv.slice(1), { stdio: 'inherit', env });
  process.exit(r.status ?? 1);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { createServer } = await import('vite');
const server = await createServer({
  root,
  configFile: false,
  logLevel: 'error',
  appType: 'custom',
  // No file watcher: its threads and Dawn's crash each other (futex errors) in one process.
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  // As in vitest.config.ts: wgsl_reflect's "main" is CommonJS in a "type": "module" package; use its ES build.
  resolve: { alias: [{ find: /^wgsl_reflect$/, replacement: path.join(root, 'node_modules/wgsl_reflect/wgsl_reflect.module.js') }] },
});
let code = 1;
try {
  const cli = await server.ssrLoadModule('/src/node/cli.ts');
  code = await cli.main(process.argv.slice(2));
} finally {
  await server.close();
}
process.exit(code);
