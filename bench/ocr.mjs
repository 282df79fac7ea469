#!/usr/bin/env node
// npm run bench:ocr [-- --json] [--only label,label]
// Every OCR experiment of kernels-test/ocr-experiments.ts on the graph runner in headless Chromium: the
// PP-OCRv4 recogniser reads 20 rendered lines with each weight format, calibrated scheme and W+A pair;
// weight-only rows are read again by onnxruntime-web (wasm) on the runner's decoded weights. Rows marked
// `page` also read a generated 12-line page end to end (detector + recogniser in the same formats).
import { fmt, list, parseCli, renderTable, runBenchPage } from './cli.mjs';

const { opts, json } = parseCli(
  process.argv.slice(2),
  { '--only': (next, o) => (o.only = list(next())) },
  'usage: npm run bench:ocr -- [--json] [--only "W int4-g32,WaterSIC"]  (labels: kernels-test/ocr-experiments.ts)\n',
);
const { setup, results } = await runBenchPage('/kernels-test/ocr.html', 'ocrSweep', opts, 'bench:ocr');
const truth = setup.ortF32.map((l) => l.text.trim());
const HOLD = 0.95;
const pageF32 = setup.pageF32.lines.map((l) => l.text);
/** The page columns of a row: lines as f32's page reading, stage times, the detector's weights. */
const pageColumns = (p) => ({
  pageSame: p ? pageF32.filter((t, i) => p.lines[i]?.text === t).length : null,
  pageDetectMs: p?.timings.detect ?? null,
  pageRecogniseMs: p?.timings.recognise ?? null,
  pageTotalMs: p ? p.timings.total - p.timings.load : null, // the read, without loading the detector
  detWeightBytes: p?.detector.weightBytes ?? null,
  detFileBits: p?.detector.fileBits ?? null,
});
const rows = results.map((r) => {
  const same = r.runner.filter((l, i) => l.text.trim() === truth[i]).length;
  const ortSame = r.ort ? r.ort.filter((l, i) => l.text.trim() === truth[i]).length : null;
  return {
    label: r.config.label,
    weights: r.config.weights ?? r.config.calibrated?.format ?? `watersic-${r.config.calibrated?.rate}`,
    activations: r.config.activations ?? 'f32',
    fileBits: r.fileBits,
    gpuBits: r.gpuBits,
    weightBytes: r.weightBytes,
    activationBytes: r.activationBytes,
    lines: r.runner.length,
    same,
    holds: same / r.runner.length >= HOLD,
    ortSame,
    ortDiffer: r.ort ? r.runner.filter((l, i) => l.text.trim() !== r.ort[i].text.trim()).length : null,
    meanProb: r.runner.reduce((a, l) => a + l.meanProb, 0) / r.runner.length,
    example: r.runner[3].text.trim(),
    ...pageColumns(r.page),
    ms: r.ms,
    device: setup.adapter,
  };
});
const pageTimes = setup.pageF32.timings;
const pageRead = pageTimes.total - pageTimes.load;
const ms = (v) => Math.round(v);
if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
else {
  process.stdout.write(
    `PP-OCRv4 recogniser on the graph runner (${setup.adapter}), ${truth.length} lines at 48×${setup.width}; ` +
      `f32 reads ${setup.runnerF32.filter((l, i) => l.text.trim() === truth[i]).length}/${truth.length} ` +
      '(onnxruntime-web on f32: ' +
      `${setup.ortF32.filter((l, i) => l.text.trim() === truth[i]).length}/${truth.length}). ` +
      "Holds: ≥ 95% of lines read as f32 reads them. ORT: onnxruntime-web (wasm) on the runner's decoded weights.\n" +
      `Page: ${setup.pageTruth.length} lines (${setup.pageSize.width}×${setup.pageSize.height}), f32 reads ` +
      `${setup.pageTruth.filter((t, i) => pageF32[i] === t).length} as drawn in ${ms(pageRead)} ms ` +
      `(detect ${ms(pageTimes.detect)}, recognise ${ms(pageTimes.recognise)}); ` +
      "page rows: detector and recogniser both in the row's formats.\n\n",
  );
  process.stdout.write(
    `${renderTable(rows, [
      ['configuration', (r) => r.label],
      ['A', (r) => r.activations],
      ['bits/weight (file)', (r) => fmt(r.fileBits)],
      ['bits/weight (GPU)', (r) => fmt(r.gpuBits)],
      ['lines as f32', (r) => `${r.same}/${r.lines}`],
      ['holds', (r) => (r.holds ? 'yes' : 'no')],
      ['ORT lines as f32', (r) => (r.ortSame === null ? '—' : `${r.ortSame}/${r.lines}`)],
      ['runner ≠ ORT', (r) => (r.ortDiffer === null ? '—' : String(r.ortDiffer))],
      ['mean char prob', (r) => fmt(r.meanProb)],
      ['line 4 reads', (r) => JSON.stringify(r.example)],
      ['page as f32', (r) => (r.pageSame === null ? '—' : `${r.pageSame}/${pageF32.length}`)],
      [
        'page ms (det + rec)',
        (r) =>
          r.pageTotalMs === null
            ? '—'
            : `${Math.round(r.pageTotalMs)} (${Math.round(r.pageDetectMs)} + ${Math.round(r.pageRecogniseMs)})`,
      ],
      ['det bits (file)', (r) => (r.detFileBits === null ? '—' : fmt(r.detFileBits))],
    ])}\n`,
  );
}
