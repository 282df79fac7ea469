#!/usr/bin/env node
// wqe: the engine's command line (src/node/cli.ts), run from the compiled package in dist/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CHROMIUM_DIR = '/usr/lib/chromium';
// --swiftshader: run Dawn (the `webgpu` package) on Chromium's SwiftShader Vulkan driver, for machines
// without a GPU driver. Opt-in: in one Node process with SwiftShader built for Chromium, Dawn crashes
// intermittently (futex / std::system_error aborts), so the default there is the CPU reference.
if (process.argv.includes('--swiftshader') && !process.env.WQE_SWIFTSHADER) {
  const icd = path.join(CHROMIUM_DIR, 'vk_swiftshader_icd.json');
  if (!existsSync(icd)) {
    process.stderr.write(
      `wqe: --swiftshader needs Debian's Chromium (${icd}): apt-get update && apt-get install -y chromium\n`,
    );
    process.exit(2);
  }
  // The Vulkan loader reads LD_LIBRARY_PATH at process start, so the settings need a fresh process.
  const env = {
    ...process.env,
    WQE_SWIFTSHADER: '1',
    VK_ICD_FILENAMES: icd,
    LD_LIBRARY_PATH: [CHROMIUM_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
  };
  const r = spawnSync(process.execPath, process.argv.slice(1), { stdio: 'inherit', env });
  process.exit(r.status ?? 1);
}

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/node/cli.js');
if (!existsSync(cli)) {
  process.stderr.write(
    `wqe: the compiled command line is missing (${cli}); in a clone of the repository run: npm run build:lib\n`,
  );
  process.exit(1);
}
const { main } = await import(pathToFileURL(cli).href);
// exit explicitly: Dawn keeps handles open after the engine is destroyed (stdout to a pipe or file is synchronous on
// Linux).
process.exit(await main(process.argv.slice(2)));
