#!/usr/bin/env node
// npm run bench:weightonly [-- --json] [--a 16384] [--n 64] [--rates 2,3,4,6] [--no-real]
//                          [--trellis-l 12] [--trellis-rows 2048]
// Runs bench/weightonly.ts (CPU) through vite's SSR loader and prints one table (or the rows as JSON).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { fmt, list, parseCli, renderTable } from './cli.mjs';

const { opts, json } = parseCli(
  process.argv.slice(2),
  {
    '--a': (next, o) => (o.a = Number(next())),
    '--n': (next, o) => (o.n = Number(next())),
    '--rates': (next, o) => (o.rates = list(next()).map(Number)),
    '--no-real': (_next, o) => (o.real = false),
    '--trellis-l': (next, o) => (o.trellisL = Number(next())),
    '--trellis-rows': (next, o) => (o.trellisRows = Number(next())),
  },
  'usage: npm run bench:weightonly -- [--json] [--a rows] [--n cols] [--rates 2,3,4,6] [--no-real] ' +
    '[--trellis-l 12 (0: none)] [--trellis-rows 2048]\n',
);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const server = await createServer({
  root,
  configFile: false,
  logLevel: 'error',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
});
let rows;
try {
  const mod = await server.ssrLoadModule('/bench/weightonly.ts');
  rows = await mod.runWeightOnlyBench({ ...opts, progress: (m) => process.stderr.write(`[bench:weightonly] ${m}\n`) });
} finally {
  await server.close();
}
if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
else {
  process.stdout.write(
    'WMSE gaps to D_IT = σ_W²·det(Σ)^{1/n}·2^{−2R} at R = the rANS-coded bits of the integer codes per entry ' +
      "(side information apart, then in the total); the last column puts W's entropy power in place of σ_W² " +
      '(the bound for non-Gaussian weights).\n\n',
  );
  process.stdout.write(
    `${renderTable(
      rows,
      [
        ['matrix', (r) => r.matrix],
        ['rows', (r) => String(r.a)],
        ['Σ_X', (r) => r.sigma],
        ['method', (r) => r.method],
        ['target R', (r) => String(r.targetRate)],
        ['entropy', (r) => fmt(r.entropyBits, 4)],
        ['coded', (r) => fmt(r.codedBits, 4)],
        ['side', (r) => fmt(r.sideBits, 3)],
        ['total', (r) => fmt(r.totalBits, 4)],
        ['WMSE', (r) => fmt(r.wmse, 4)],
        ['D_IT', (r) => fmt(r.dIT, 4)],
        ['gap (bits)', (r) => fmt(r.gapBits, 3)],
        ['predicted', (r) => (r.predictedGapBits === null ? '—' : fmt(r.predictedGapBits, 3))],
        ['+ SIC excess', (r) => fmt(r.sicExcessBits, 3)],
        ['gap vs entropy power', (r) => fmt(r.gapEntropyPowerBits, 3)],
        ['ms', (r) => fmt(r.ms, 4)],
      ],
      3,
    )}\n`,
  );
}
