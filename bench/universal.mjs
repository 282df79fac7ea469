#!/usr/bin/env node
// npm run bench:universal [-- --json] [--n 256] [--rows 16] [--trials 32] [--q 5,8,14] [--seed 7]
// The universal scheme's guarantee on adversarial pairs (docs/universal.md): per pair × scheme × rate, the
// error over the schemes' randomness divided by the Frobenius-norm bound, and how much of it is bias.
import { fmt, list, parseCli, renderTable, runBenchPage } from './cli.mjs';

const { opts, json } = parseCli(
  process.argv.slice(2),
  {
    '--n': (next, o) => (o.n = Number(next())),
    '--rows': (next, o) => (o.rows = Number(next())),
    '--trials': (next, o) => (o.trials = Number(next())),
    '--q': (next, o) => (o.q = list(next()).map(Number)),
    '--seed': (next, o) => (o.seed = Number(next())),
  },
  'usage: npm run bench:universal -- [--json] [--n 256] [--rows 16] [--trials 32] [--q 5,8,14] [--seed 7]\n',
);
const rows = await runBenchPage('/bench/index.html', 'runUniversal', opts, 'universal');
if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
else {
  const r0 = rows[0];
  process.stdout.write(
    `Adversarial pairs, A and B ${r0.rows}×${r0.n} (seed ${r0.seed}); measured E‖ABᵀ − Ĉ‖² over ${r0.trials} ` +
      `trials of each scheme's randomness (rotation and dither seeds) / the bound φ²‖ĀB̄ᵀ‖² + φ(1−φ)‖Ā‖²‖B̄‖²/n, ` +
      `φ = 1 − 1/(1+D)², D = the scheme's distortion on iid N(0,1) rows. ≤ 1 (up to sampling error): the bound ` +
      `holds. Bias z² ≈ 1: unbiased (unshrunk estimate); deterministic schemes: –.\n`,
  );
  for (const q of [...new Set(rows.map((r) => r.q))]) {
    const tier = rows.filter((r) => r.q === q);
    const pairs = [...new Set(tier.map((r) => r.pair))];
    const schemes = [...new Set(tier.map((r) => r.scheme))];
    const at = (s, p) => tier.find((r) => r.scheme === s && r.pair === p);
    process.stdout.write(`\nRate tier q = ${q}: measured / bound\n\n`);
    process.stdout.write(
      `${renderTable(schemes, [
        ['scheme', (s) => s],
        ['bits', (s) => fmt(at(s, pairs[0]).bits, 4)],
        ['D', (s) => fmt(at(s, pairs[0]).distortion, 3)],
        ...pairs.map((p) => [p, (s) => fmt(at(s, p).ratio, 3)]),
        ['max', (s) => fmt(Math.max(...pairs.map((p) => at(s, p).ratio)), 3)],
      ])}\n`,
    );
    const uni = schemes.filter((s) => at(s, pairs[0]).predictedRatio !== null);
    process.stdout.write(
      `\nRate tier q = ${q}: measured / predicted from each row's own distortion (β indices; universal scheme)\n\n`,
    );
    process.stdout.write(
      `${renderTable(uni, [['scheme', (s) => s], ...pairs.map((p) => [p, (s) => fmt(at(s, p).predictedRatio, 3)])])}\n`,
    );
    process.stdout.write(`\nRate tier q = ${q}: bias z² of the unshrunk estimate (mean over entries)\n\n`);
    process.stdout.write(
      `${renderTable(
        schemes.filter((s) => at(s, pairs[0]).biasZ2 !== null),
        [['scheme', (s) => s], ...pairs.map((p) => [p, (s) => fmt(at(s, p).biasZ2, 3)])],
      )}\n`,
    );
  }
}
