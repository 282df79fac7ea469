#!/usr/bin/env node
// Makes sure the browser the kernel tests need is here, installing Debian's `chromium` package when it
// is not (npm test's first step, so README's two commands do all the set-up on a fresh machine).
// Exits 0 when a Chromium is found or installed, 1 with the exact command to run otherwise.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INSTALL_HINT, SYSTEM_CHROMIUM } from './chromium-paths.mjs';

/** What to do on this machine: 'found' (path), 'install' (we can), or 'manual' (say what to run). */
export function chromiumPlan({
  env = process.env,
  candidates = SYSTEM_CHROMIUM,
  isRoot = process.getuid?.() === 0,
  hasApt = fs.existsSync('/usr/bin/apt-get'),
} = {}) {
  const fromEnv = env.PUPPETEER_EXECUTABLE_PATH;
  if (fromEnv && fs.existsSync(fromEnv)) return { action: 'found', path: fromEnv };
  const found = candidates.find((p) => fs.existsSync(p));
  if (found) return { action: 'found', path: found };
  if (hasApt && isRoot) return { action: 'install' };
  const why = fromEnv
    ? `PUPPETEER_EXECUTABLE_PATH=${fromEnv} does not exist and no system Chromium was found`
    : 'no Chromium found';
  if (hasApt)
    return {
      action: 'manual',
      message:
        `${why}; the kernel tests need one. Run: sudo apt-get update && sudo apt-get install -y chromium ` +
        ` (or set PUPPETEER_EXECUTABLE_PATH to a Chromium/Chrome with WebGPU)`,
    };
  return {
    action: 'manual',
    message:
      `${why}, and this is not a Debian/Ubuntu machine (no apt-get). Install Chromium or Chrome 113+ and ` +
      `set PUPPETEER_EXECUTABLE_PATH to its executable`,
  };
}

function install() {
  process.stderr.write(
    `npm test: installing Debian's chromium package (the WebGPU kernel tests run in headless Chromium on its ` +
      `SwiftShader adapter): ${INSTALL_HINT}\n`,
  );
  const log = path.join(os.tmpdir(), `wqe-chromium-install-${process.pid}.log`);
  const fd = fs.openSync(log, 'w');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const steps = [
    ['apt-get', ['update']],
    ['apt-get', ['install', '-y', 'chromium']],
  ];
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { stdio: ['ignore', fd, fd], env });
    if (r.status !== 0) {
      fs.closeSync(fd);
      const tail = fs.readFileSync(log, 'utf8').trim().split('\n').slice(-8).join('\n');
      process.stderr.write(
        `${tail}\nnpm test: '${cmd} ${args.join(' ')}' failed (exit ${r.status ?? r.signal}; full log ${log}). ` +
          `Install Chromium yourself: ${INSTALL_HINT}\n`,
      );
      return false;
    }
  }
  fs.closeSync(fd);
  fs.rmSync(log, { force: true });
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const plan = chromiumPlan();
  if (plan.action === 'manual') {
    process.stderr.write(`npm test: ${plan.message}\n`);
    process.exit(1);
  }
  if (plan.action === 'install') {
    if (!install()) process.exit(1);
    const after = chromiumPlan();
    if (after.action !== 'found') {
      process.stderr.write(
        `npm test: chromium was installed but none of ${SYSTEM_CHROMIUM.join(', ')} exists; set ` +
          `PUPPETEER_EXECUTABLE_PATH\n`,
      );
      process.exit(1);
    }
    process.stderr.write(`npm test: ${after.path} installed\n`);
  }
}
