#!/usr/bin/env node
// npm run bench [-- --json] [--formats int4-g32,int8-g32] [--samples N] [--M 256 --K 1024 --N 1024] [--reps 3]
// Runs bench/page.ts in headless Chromium (WebGPU on whatever adapter it finds) and prints one table,
// or with --json the rows as a JSON array on stdout (progress goes to stderr).
import { fmt, list, parseCli, renderTable, runBenchPage } from './cli.mjs';

function table(rows) {
  return renderTable(rows, [
    ['format', (r) => r.format],
    ['bits/entry', (r) => fmt(r.bitsPerEntry, 5)],
    ['MSE N(0,1)', (r) => fmt(r.mse, 5)],
    ['predicted', (r) => (r.predictedMse === null ? '–' : fmt(r.predictedMse, 5))],
    ['ΔR (bit)', (r) => fmt(r.deltaR, 4)],
    ['product NMSE', (r) => fmt(r.productNmse, 5)],
    ['Γ(R)', (r) => fmt(r.gamma, 5)],
    ['gap (bit)', (r) => fmt(r.gapBits, 4)],
    ['GEMM ms', (r) => (r.gemmMs === null ? '–' : fmt(r.gemmMs, 4))],
    ['f32 GEMM ms', (r) => (r.f32GemmMs === null ? '–' : fmt(r.f32GemmMs, 4))],
    ['ratio', (r) => (r.gemmRatio === null ? '–' : fmt(r.gemmRatio, 3))],
  ]);
}

function latticeTable(rows) {
  return renderTable(rows, [
    ['format', (r) => r.format],
    ['β', (r) => (r.params.betas ?? []).join(', ')],
    ['bits/entry', (r) => fmt(r.bitsPerEntry, 5)],
    ['index H (bit/entry)', (r) => fmt(r.indexEntropyBits, 4)],
    ['bits/entry, index entropy-coded', (r) => fmt(r.rateEntropyCoded, 5)],
    ['MSE', (r) => fmt(r.mse, 5)],
    ['granular prediction', (r) => fmt(r.predictedMse, 5)],
    ['product NMSE', (r) => fmt(r.productNmse, 5)],
    ['with MMSE shrinkage', (r) => fmt(r.productNmseShrunk, 5)],
  ]);
}

function lowRateTable(rows) {
  return renderTable(rows, [
    ['scheme', (r) => r.format],
    ['rate (bit/entry)', (r) => fmt(r.bitsPerEntry, 4)],
    ['kept', (r) => fmt(r.params.kept, 3)],
    ['rate of kept coords', (r) => fmt(r.params.codedRate, 4)],
    ['product NMSE', (r) => fmt(r.productNmse, 4)],
    ['Γ(R)', (r) => fmt(r.gamma, 4)],
    ['gap (bit)', (r) => fmt(r.gapBits, 4)],
  ]);
}

function pairTable(rows) {
  return renderTable(rows, [
    ['format', (r) => r.format],
    ['K', (r) => r.format.match(/^sq(\d+)/)?.[1] ?? ''],
    ['E[D²] measured', (r) => fmt(r.pairMeanSquare, 5)],
    ['E[D²] exact', (r) => fmt(r.pairExact, 5)],
    ['2C/K²', (r) => fmt(r.k2Prediction, 5)],
    ['E[D] (bias)', (r) => fmt(r.pairBias, 4)],
  ]);
}

const { opts, json } = parseCli(
  process.argv.slice(2),
  {
    '--formats': (next, o) => (o.formats = list(next())),
    '--samples': (next, o) => (o.samples = Number(next())),
    '--reps': (next, o) => (o.reps = Number(next())),
    '--rho': (next, o) => (o.rho = Number(next())),
    '--M': (next, o) => (o.M = Number(next())),
    '--K': (next, o) => (o.K = Number(next())),
    '--N': (next, o) => (o.N = Number(next())),
  },
  'usage: npm run bench -- [--json] [--formats id,id] [--samples N] [--M m --K k --N n] [--reps r]\n',
);
const rows = await runBenchPage('/bench/index.html', 'runBench', opts, 'bench');
if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
else {
  const r0 = rows[0];
  if (r0)
    process.stdout.write(
      `Device: ${r0.device}. MSE on ${r0.samples} iid N(0,1) entries; product NMSE and GEMM times at ` +
        `M=${r0.shape.M}, K=${r0.shape.K}, N=${r0.shape.N} (weight-only GEMM vs the f32 GEMM, median wall ms).\n\n`,
    );
  const gpuRows = rows.filter((r) => r.gemmMs !== null);
  process.stdout.write(`${table(gpuRows)}\n`);
  const lattice = rows.filter((r) => r.indexEntropyBits !== null);
  if (lattice.length) {
    process.stdout.write(
      `\nNested-lattice rows: fitted β (row-RMS units), the β index's entropy, the rate with it entropy-coded, ` +
        `and the granular (no-overload) MSE prediction:\n\n`,
    );
    process.stdout.write(`${latticeTable(lattice)}\n`);
  }
  const low = rows.filter((r) => r.gemmMs === null);
  if (low.length) {
    process.stdout.write(
      `\nLow-rate regime (CPU, K = 4096, 64×64 products, rates measured as index entropy): ECSQ spread over all ` +
        `rotated coordinates vs sketching (keep R/R* of them, code them at R* = 0.906):\n\n`,
    );
    process.stdout.write(`${lowRateTable(low)}\n`);
  }
  const pairs = rows.filter((r) => r.pairMeanSquare !== null);
  if (pairs.length) {
    process.stdout.write(
      `\nCodebooks on ${r0.samples} correlated pairs (ρ = ${pairs[0].pairRho}), both operands quantized on the ` +
        `GPU, D = XY − X̂Ŷ:\n\n`,
    );
    process.stdout.write(`${pairTable(pairs)}\n`);
  }
}
