#!/usr/bin/env node
// npm run bench:gpu [-- --json] [--formats f32,int4-g32] [--pairs int8-g32:int4-g32,...] [--shapes gemv:1x4096x4096,gemm:256x4096x4096]
//                   [--reps 3] [--no-peers] [--no-naive] [--tile wgX=8,wgY=8,rqM=1,rqN=1,tileK=32]
// Runs bench/gpu.ts in headless Chromium and prints one table (or, with --json, the rows as JSON on
// stdout; progress goes to stderr).
import { launchChromium, openPage, startViteServer } from '../tools/chromium.mjs';

function parseArgs(argv) {
  const opts = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--json') json = true;
    else if (a === '--formats') opts.formats = next().split(',').filter(Boolean);
    else if (a === '--pairs') opts.pairs = next().split(',').filter(Boolean).map((p) => p.split(':'));
    else if (a === '--shapes') {
      opts.shapes = next().split(',').map((s) => {
        const m = /^(gemv|gemm):(\d+)x(\d+)x(\d+)$/.exec(s);
        if (!m) throw new Error(`--shapes entries look like gemm:256x4096x4096, got ${s}`);
        return { kernel: m[1], M: +m[2], K: +m[3], N: +m[4] };
      });
    } else if (a === '--reps') opts.reps = Number(next());
    else if (a === '--no-peers') opts.peers = false;
    else if (a === '--no-naive') opts.naive = false;
    else if (a === '--tile') opts.tile = Object.fromEntries(next().split(',').map((kv) => { const [k, v] = kv.split('='); return [k, Number(v)]; }));
    else if (a === '--gemv-tile') opts.gemvTile = Object.fromEntries(next().split(',').map((kv) => { const [k, v] = kv.split('='); return [k, Number(v)]; }));
    else if (a === '--help' || a === '-h') {
      process.stderr.write('usage: npm run bench:gpu -- [--json] [--formats ids] [--pairs x:w,...] [--shapes gemv:1x4096x4096,...] [--reps r] [--no-peers] [--no-naive] [--tile k=v,...]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return { opts, json };
}

function fmt(v, digits = 4) {
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? v.toFixed(Math.max(0, digits - Math.max(0, Math.floor(Math.log10(a)) + 1))) : v.toExponential(digits - 1);
}

function renderTable(rows, cols) {
  const cells = rows.map((r) => cols.map(([, f]) => f(r)));
  const widths = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (vals) => '| ' + vals.map((v, i) => (i <= 1 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ') + ' |';
  const out = [line(cols.map(([h]) => h)), '|' + widths.map((w, i) => (i <= 1 ? ':' : '') + '-'.repeat(w + 1) + (i <= 1 ? '' : ':')).join('|') + '|'];
  for (const c of cells) out.push(line(c));
  return out.join('\n');
}

const { opts, json } = parseArgs(process.argv.slice(2));
const vite = await startViteServer();
const chrome = await launchChromium();
try {
  const page = await openPage(chrome.browser, vite.url, '/bench/gpu.html', (line) => process.stderr.write(line + '\n'));
  await page.exposeFunction('__benchProgress', (msg) => process.stderr.write(`[bench:gpu] ${msg}\n`));
  const rows = await page.evaluate((o) => window.runGpuBench(o), opts);
  if (json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else {
    const peerNames = [...new Set(rows.flatMap((r) => Object.keys(r.vsPeers)))].filter((p) => rows.some((r) => r.format === p));
    const ceil = rows.filter((r) => r.kernel === 'copy' || r.kernel === 'fma');
    process.stdout.write(`Device: ${rows[0]?.device}. Ceilings measured in this run: copy ${fmt(ceil.find((r) => r.kernel === 'copy')?.weightGBps)} GB/s (read+write), FMA ${fmt(ceil.find((r) => r.kernel === 'fma')?.gflops)} GFLOP/s.\n`);
    process.stdout.write('Median wall ms (operands resident; peers include their X upload / Y download). roofline = max(bytes/copy, flops/FMA) / time. vs f32 and vs peers: > 1 means faster.\n\n');
    process.stdout.write(
      renderTable(rows.filter((r) => r.kernel !== 'copy' && r.kernel !== 'fma'), [
        ['W format', (r) => r.format],
        ['X', (r) => r.x],
        ['M×K×N', (r) => `${r.M}×${r.K}×${r.N}`],
        ['path', (r) => r.path],
        ['bits', (r) => fmt(r.bitsPerEntry, 4)],
        ['ms', (r) => fmt(r.ms, 4)],
        ['GFLOP/s', (r) => fmt(r.gflops, 3)],
        ['weight GB/s', (r) => fmt(r.weightGBps, 3)],
        ['roofline', (r) => fmt(r.roofline, 3)],
        ['vs f32', (r) => fmt(r.vsF32, 3)],
        ...peerNames.map((p) => [`vs ${p}`, (r) => fmt(r.vsPeers[p], 3)]),
        ['rel. err', (r) => fmt(r.relErr, 2)],
      ]) + '\n',
    );
  }
} finally {
  await chrome.close();
  await vite.close();
}
