#!/usr/bin/env node
// npm run bench:gpu [-- --json] [--formats f32,int4-g32] [--pairs int8-g32:int4-g32,...] [--shapes
// gemv:1x4096x4096,gemm:256x4096x4096]
//                   [--reps 3] [--no-peers] [--no-naive] [--no-decode-cost] [--tile wgX=8,wgY=8,rqM=1,rqN=1,tileK=32]
// Runs bench/gpu.ts in headless Chromium and prints one table (or, with --json, the rows as JSON on
// stdout; progress goes to stderr).
import { fmt, list, numbersByKey, parseCli, renderTable, runBenchPage } from './cli.mjs';

// '–' for ratios that could not be formed (NaN, or a peer against itself), the shared format otherwise.
const num = (v, digits) => (typeof v !== 'number' || !Number.isFinite(v) ? '–' : fmt(v, digits));

function parseShape(s) {
  const m = /^(gemv|gemm):(\d+)x(\d+)x(\d+)$/.exec(s);
  if (!m) throw new Error(`--shapes entries look like gemm:256x4096x4096, got ${s}`);
  return { kernel: m[1], M: +m[2], K: +m[3], N: +m[4] };
}

const { opts, json } = parseCli(
  process.argv.slice(2),
  {
    '--formats': (next, o) => (o.formats = list(next())),
    '--pairs': (next, o) => (o.pairs = list(next()).map((p) => p.split(':'))),
    '--shapes': (next, o) => (o.shapes = next().split(',').map(parseShape)),
    '--reps': (next, o) => (o.reps = Number(next())),
    '--no-peers': (_next, o) => (o.peers = false),
    '--no-naive': (_next, o) => (o.naive = false),
    '--no-decode-cost': (_next, o) => (o.decodeCost = false),
    '--tile': (next, o) => (o.tile = numbersByKey(next())),
    '--gemv-tile': (next, o) => (o.gemvTile = numbersByKey(next())),
  },
  'usage: npm run bench:gpu -- [--json] [--formats ids] [--pairs x:w,...] [--shapes gemv:1x4096x4096,...] ' +
    '[--reps r] [--no-peers] [--no-naive] [--no-decode-cost] [--tile k=v,...] ' +
    '[--gemv-tile rows=r,lanes=l,rowsPerThread=t]\n',
);
const rows = await runBenchPage('/bench/gpu.html', 'runGpuBench', opts, 'bench:gpu');
if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
else {
  const peerNames = [...new Set(rows.flatMap((r) => Object.keys(r.vsPeers)))].filter((p) =>
    rows.some((r) => r.format === p),
  );
  const ceilings = rows
    .filter((r) => r.kernel === 'copy')
    .map((c) => {
      const f = rows.find((r) => r.kernel === 'fma' && r.M === c.M && r.K === c.K && r.N === c.N);
      return `${c.M}×${c.K}×${c.N}: copy ${num(c.weightGBps)} GB/s, FMA ${num(f?.gflops)} GFLOP/s`;
    });
  process.stdout.write(
    `Device: ${rows[0]?.device}. Ceilings measured in each shape's rounds (read+write copy; FMA chains): ` +
      `${ceilings.join('; ')}.\n`,
  );
  process.stdout.write(
    'Median wall ms over rounds that time every kernel of a shape in turn (operands resident; peers include ' +
      'their X upload / Y download). roofline = max(bytes/copy, flops/FMA) / time. vs f32 and vs peers: > 1 ' +
      'means faster.\n\n',
  );
  process.stdout.write(
    `${renderTable(
      rows.filter((r) => r.kernel !== 'copy' && r.kernel !== 'fma'),
      [
        ['W format', (r) => r.format],
        ['X', (r) => r.x],
        ['M×K×N', (r) => `${r.M}×${r.K}×${r.N}`],
        ['path', (r) => r.path],
        ['bits', (r) => num(r.bitsPerEntry, 4)],
        ['ms', (r) => num(r.ms, 4)],
        ['GFLOP/s', (r) => num(r.gflops, 3)],
        ['weight GB/s', (r) => num(r.weightGBps, 3)],
        ['roofline', (r) => num(r.roofline, 3)],
        ['decode ops/weight', (r) => num(r.decodeOps, 3)],
        ['vs f32', (r) => num(r.vsF32, 3)],
        ...peerNames.map((p) => [`vs ${p}`, (r) => num(r.vsPeers[p], 3)]),
        ['vs faster ORT', (r) => num(r.vsFasterOrt, 3)],
        ['rel. err', (r) => num(r.relErr, 2)],
        ['wrong', (r) => r.wrong ?? ''],
      ],
      2,
    )}\n`,
  );
  // Per shape: which correct ORT build was faster, and any peer reported wrong there.
  const shapes = [
    ...new Set(rows.filter((r) => r.kernel !== 'copy' && r.kernel !== 'fma').map((r) => `${r.M}×${r.K}×${r.N}`)),
  ];
  for (const s of shapes) {
    const at = rows.filter((r) => `${r.M}×${r.K}×${r.N}` === s);
    const ort = at.filter((r) => r.format.startsWith('ort-'));
    const faster = at.find((r) => r.fasterOrt)?.fasterOrt;
    const times = ort.map((r) => (r.wrong ? `${r.format} wrong (${r.wrong})` : `${r.format} ${num(r.ms, 4)} ms`));
    process.stdout.write(`${s}: faster correct ORT build: ${faster ?? 'none'} (${times.join(', ')})\n`);
  }
}
