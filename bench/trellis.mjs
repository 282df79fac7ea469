#!/usr/bin/env node
// npm run bench:trellis [-- --json] [--formats tcq2-l16,e8-q14-k4] [--rows 4] [--K 4096] [--seed n] [--no-gpu]
// ΔR of the trellis formats on iid N(0,1) beside E8 and the scalar formats, everything counted (docs/trellis.md).
import { fmt, list, parseCli, renderTable, runBenchPage } from './cli.mjs';

const { opts, json } = parseCli(
  process.argv.slice(2),
  {
    '--formats': (next, o) => (o.formats = list(next())),
    '--rows': (next, o) => (o.rows = Number(next())),
    '--K': (next, o) => (o.K = Number(next())),
    '--seed': (next, o) => (o.seed = Number(next())),
    '--no-gpu': (_next, o) => (o.gpu = false),
  },
  'usage: npm run bench:trellis -- [--json] [--formats id,id] [--rows 4] [--K 4096] [--seed n] [--no-gpu]\n',
);
const rows = await runBenchPage('/bench/index.html', 'runTrellis', opts, 'trellis');
if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
else {
  const r0 = rows[0];
  process.stdout.write(
    `iid N(0,1), ${r0.samples} samples in rows of K = ${r0.K}; ΔR = ½·log₂(MSE / 2^(−2R)), at the stored rate ` +
      `(everything counted) and at the rate of the codes alone; CPU encode time; the trellis formats' GPU search ` +
      `(rows in parallel) and whether its codes equal the CPU's.\n\n`,
  );
  process.stdout.write(
    `${renderTable(rows, [
      ['format', (r) => r.format],
      ['bits/entry', (r) => fmt(r.bitsPerEntry, 5)],
      ['code rate', (r) => fmt(r.informationRate, 5)],
      ['MSE', (r) => fmt(r.mse, 5)],
      ['ΔR stored (bit)', (r) => fmt(r.deltaR, 4)],
      ['ΔR codes (bit)', (r) => fmt(r.deltaRInformation, 4)],
      ['encode ms / 1k weights', (r) => fmt(r.encodeMsPer1k, 3)],
      ['GPU encode ms / 1k', (r) => (r.gpuEncodeMsPer1k === null ? '–' : fmt(r.gpuEncodeMsPer1k, 3))],
      ['GPU = CPU', (r) => (r.gpuEqualsCpu === null ? '–' : r.gpuEqualsCpu ? 'yes' : 'NO')],
    ])}\n`,
  );
}
